#!/usr/bin/env node
// Runs dist/llm-router.mjs (built by `npm ci` / `npm run build`). In a checkout with dev dependencies
// (tsx), an edit newer than the bundle runs the TypeScript sources instead, so development never runs
// stale code; an install without dev dependencies always runs the bundle.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = join(root, 'dist', 'llm-router.mjs');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** True when a source file the bundle is built from changed after it (only in a source checkout). */
function sourcesNewerThanBundle() {
  const built = statSync(bundle).mtimeMs;
  return ['src', join('adapters', 'node'), 'tools']
    .map((dir) => join(root, dir))
    .some((dir) => existsSync(dir) && newestSource(dir) > built);
}

async function loadTsx() {
  try {
    return await import('tsx/esm/api');
  } catch {
    return null;
  }
}

let main;
const hasBundle = existsSync(bundle);
const tsx = hasBundle && !sourcesNewerThanBundle() ? null : await loadTsx();
if (tsx) {
  tsx.register();
  ({ main } = await import('../adapters/node/cli.ts'));
} else if (hasBundle) {
  ({ main } = await import(bundle));
} else {
  process.stderr.write(
    'llm-router: dist/llm-router.mjs is missing; build it with `npm run build` (needs the dev dependencies)\n',
  );
  process.exit(1);
}
const code = await main(process.argv.slice(2));
process.exitCode = code;
if (code !== 0 || process.argv[2] !== 'sim') {
  // Timers are unref'd and servers closed: exit without waiting on stray keep-alive sockets.
  process.exit(code);
}

#!/usr/bin/env node
// Runs dist/llm-router.mjs (built by `npm ci` / `npm run build`) when it is newer than every source
// file, else the TypeScript entry through tsx, so an edit never runs stale code.
import { readdirSync, statSync } from 'node:fs';
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

function bundleIsFresh() {
  try {
    const built = statSync(bundle).mtimeMs;
    return ['src', join('adapters', 'node'), 'tools'].every((dir) => newestSource(join(root, dir)) <= built);
  } catch {
    return false;
  }
}

let main;
if (bundleIsFresh()) {
  ({ main } = await import(bundle));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../adapters/node/cli.ts'));
}
const code = await main(process.argv.slice(2));
process.exitCode = code;
if (code !== 0 || process.argv[2] !== 'sim') {
  // Timers are unref'd and servers closed: exit without waiting on stray keep-alive sockets.
  process.exit(code);
}

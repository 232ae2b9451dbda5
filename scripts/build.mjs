// Bundles the Node entry into dist/llm-router.mjs (run by `npm ci`/`npm install` through "prepare").
// Running the bundle skips tsx's on-the-fly compile and its keepNames wrappers on the request path;
// bin/llm-router.mjs falls back to the TypeScript sources when the bundle is older than them and tsx is
// installed. A production install (`npm ci --omit=dev`) has no esbuild: it keeps the bundle it ships.
//   node scripts/build.mjs [OUTFILE]      (default dist/llm-router.mjs)
import { existsSync } from 'node:fs';

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  if (existsSync(new URL('../dist/llm-router.mjs', import.meta.url))) {
    console.error('llm-router build: esbuild is not installed (production install); keeping dist/ as it is');
    process.exit(0);
  }
  console.error(
    'llm-router build: esbuild is not installed and dist/ is missing: install the dev dependencies',
  );
  process.exit(1);
}

try {
  await esbuild.build({
    entryPoints: ['adapters/node/cli.ts'],
    outfile: process.argv[2] ?? 'dist/llm-router.mjs',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
} catch (error) {
  console.error(`llm-router build: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

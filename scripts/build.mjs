// Bundles the Node entry into dist/llm-router.mjs (run by `npm ci`/`npm install` through "prepare").
// Running the bundle skips tsx's on-the-fly compile and its keepNames wrappers on the request path;
// bin/llm-router.mjs falls back to the TypeScript sources when the bundle is missing or older.
import { build } from 'esbuild';

try {
  await build({
    entryPoints: ['adapters/node/cli.ts'],
    outfile: 'dist/llm-router.mjs',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
} catch (error) {
  console.error(`llm-router build failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

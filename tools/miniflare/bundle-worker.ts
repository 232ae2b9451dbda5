import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';

/** The repository root. */
export const ROOT = join(import.meta.dirname, '..', '..');
/** wrangler.toml's date and flags: the tests run the Worker exactly as deployed. */
export const COMPATIBILITY_DATE = '2026-04-26';
export const COMPATIBILITY_FLAGS = ['enable_request_signal', 'nodejs_als'];

const bundles = new Map<string, Promise<string>>();

/**
 * Bundles a Worker entry the way wrangler does (esbuild, ESM, workerd conditions) into .tmp/ inside the
 * project (Miniflare wants the script there). The generated config module is written first, as
 * wrangler's [build] command would; tests and benchmarks then override it through the ROUTER_CONFIG
 * bindings. One bundle per entry and process.
 */
export function bundleWorker(entry = 'adapters/cloudflare/worker.ts'): Promise<string> {
  let bundled = bundles.get(entry);
  if (!bundled) {
    bundled = (async () => {
      await promisify(execFile)(
        process.execPath,
        [join(ROOT, 'bin', 'llm-router.mjs'), 'worker-config', '-config', join(ROOT, 'config.yaml')],
        { cwd: ROOT },
      );
      const dir = join(ROOT, '.tmp', 'cloudflare-worker');
      await mkdir(dir, { recursive: true });
      const outfile = join(dir, `${entry.replace(/[^a-z0-9]+/gi, '-')}-${process.pid}.mjs`);
      await build({
        entryPoints: [join(ROOT, entry)],
        outfile,
        bundle: true,
        format: 'esm',
        platform: 'neutral',
        target: 'es2022',
        conditions: ['workerd', 'worker', 'browser'],
        mainFields: ['module', 'main'],
        external: ['cloudflare:*', 'node:*'],
        logLevel: 'error',
      });
      return outfile;
    })();
    bundles.set(entry, bundled);
  }
  return bundled;
}

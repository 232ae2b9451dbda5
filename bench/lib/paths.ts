import { fileURLToPath } from 'node:url';

/** Absolute path of bench/ (this file is bench/lib/paths.ts). */
export const BENCH_DIR = fileURLToPath(new URL('../', import.meta.url));
/** Repository root (the router's package.json lives here). */
export const REPO_DIR = fileURLToPath(new URL('../../', import.meta.url));
/** Where every script writes its JSON result (gitignored). */
export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

/** A bench/ TypeScript file, for spawning it as a child. */
export function benchFile(name: string): string {
  return fileURLToPath(new URL(`../${name}`, import.meta.url));
}

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { RESULTS_DIR } from './paths.ts';

/** Write bench/results/<name>-<timestamp>.json with machine facts; returns the path. */
export function writeResult(name: string, data: Record<string, unknown>): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const path = join(RESULTS_DIR, `${name}-${stamp}.json`);
  const machine = {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    totalMemMB: Math.round(totalmem() / (1024 * 1024)),
    loadavg: loadavg(),
  };
  writeFileSync(
    path,
    `${JSON.stringify({ name, date: new Date().toISOString(), machine, ...data }, null, 2)}\n`,
  );
  return path;
}

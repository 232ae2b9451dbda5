import { join } from 'node:path';
import { newestProfile, type ProfileSummary, summarizeProfile } from './cpu-profile.ts';
import { fmt, printTable, signed } from './table.ts';

/** One measured run of a profiled target: its time window and how many units (requests, streams) it served. */
export interface ProfiledRun {
  readonly target: string;
  readonly window: readonly [number, number];
  readonly units: number;
}

/** Summaries of the pipe's and the router's profiles (`<dir>/<target>/`), cut to each run's window. */
export function collectProfiles(
  dir: string,
  runs: readonly ProfiledRun[],
  top = 30,
): Record<string, ProfileSummary> {
  const out: Record<string, ProfileSummary> = {};
  for (const run of runs) {
    if (run.target !== 'pipe' && run.target !== 'router') continue;
    const file = newestProfile(join(dir, run.target));
    if (file) out[run.target] = summarizeProfile(file, top, run.window);
    else process.stdout.write(`no .cpuprofile was written for ${run.target}\n`);
  }
  return out;
}

/** Self time per unit by layer (pipe next to router), then the router's top functions. */
export function printProfileReport(
  unit: string,
  runs: readonly ProfiledRun[],
  profiles: Readonly<Record<string, ProfileSummary>>,
): void {
  const unitsOf = (target: string) => Math.max(1, runs.find((run) => run.target === target)?.units ?? 1);
  const layers = new Set<string>();
  for (const summary of Object.values(profiles)) {
    for (const layer of summary.categories) layers.add(layer.name);
  }
  const usOf = (target: string, layer: string) => {
    const ms = profiles[target]?.categories.find((c) => c.name === layer)?.ms;
    return ms === undefined ? 0 : (ms * 1000) / unitsOf(target);
  };
  const rows = [...layers]
    .map((layer) => ({ layer, pipe: usOf('pipe', layer), router: usOf('router', layer) }))
    .sort((a, b) => b.router - a.router);
  const total = (target: string) => ((profiles[target]?.busyMs ?? 0) * 1000) / unitsOf(target);
  rows.push({ layer: 'total busy', pipe: total('pipe'), router: total('router') });
  printTable(
    `CPU profile (node --cpu-prof, measured window only): self time per ${unit} by layer, us`,
    ['layer', 'pipe', 'router', 'router - pipe'],
    rows.map((row) => [row.layer, fmt(row.pipe, 1), fmt(row.router, 1), signed(row.router - row.pipe, 1)]),
  );
  const router = profiles.router;
  if (router) {
    printTable(
      `Router: top functions by self time (us per ${unit}, % of busy)`,
      ['function', `us/${unit}`, '%'],
      router.functions.map((f) => [f.name, fmt((f.ms * 1000) / unitsOf('router'), 2), fmt(f.percent, 1)]),
    );
  }
  for (const [target, summary] of Object.entries(profiles)) {
    process.stdout.write(`profile ${target}: ${summary.file}\n`);
  }
  process.stdout.write(
    '(profiling slows both proxies: take throughput and latency from a run without --profile)\n',
  );
}

import { burstArrivals, poissonArrivals } from './arrivals.ts';
import {
  BURST_WORKLOAD,
  engineModel,
  equalFleet,
  heterogeneousFleet,
  POISSON_WORKLOAD,
  type SimSpec,
} from './fleet-spec.ts';
import type { RequestRecord } from './load-run.ts';
import { stream } from './prng.ts';
import type { Dispatch } from './scenario.ts';
import { ascending, percentile, type RunSummary, summarise } from './stats.ts';
import { ms, pct, ratio, TTFT_COLUMNS, table } from './table.ts';
import { loadRouterCore, replay } from './virtual.ts';

export interface VirtualSettings {
  readonly seeds: number;
  readonly durationS: number;
  readonly load: number;
  readonly collectIntervalS: number;
  readonly scrapeDelayMs: number;
  readonly dispatchers: readonly Dispatch[];
  /** label → repository root (null: this one). */
  readonly roots: readonly { readonly label: string; readonly root: string | null }[];
}

export interface VirtualRow {
  readonly root: string;
  readonly pooled: RunSummary;
  /** Per seed: this dispatcher's p99 TTFT / the oracle's on the same arrivals. */
  readonly p99Ratios: number[];
}

export interface VirtualResult {
  readonly rateRps: number;
  readonly rows: VirtualRow[];
  readonly noMetrics: { readonly root: string; readonly shares: number[]; readonly ratio: number }[];
  readonly burst: { readonly root: string; readonly dispatch: Dispatch; readonly counts: number[] }[];
}

const median = (values: readonly number[]): number => percentile(ascending(values), 50);

/**
 * Many seeds × long runs in virtual time: pooled percentiles, and the per-seed p99 ratio to the oracle (its
 * median and range say how much of a single 30 s live run's ratio is luck).
 */
export async function runVirtual(settings: VirtualSettings): Promise<VirtualResult> {
  const specs = heterogeneousFleet();
  const capacity = specs.reduce((sum, spec) => sum + engineModel(spec, POISSON_WORKLOAD).capacityRps, 0);
  const rate = settings.load * capacity;
  const schedules = Array.from({ length: settings.seeds }, (_, s) =>
    poissonArrivals(stream(1000 + s, 1), rate, settings.durationS * 1000, POISSON_WORKLOAD),
  );
  const rows: VirtualRow[] = [];
  const noMetrics: VirtualResult['noMetrics'] = [];
  const burst: VirtualResult['burst'] = [];
  for (const { label, root } of settings.roots) {
    const core = await loadRouterCore(root);
    const oracleP99 = schedules.map((schedule, s) =>
      p99Of(run(core, specs, schedule, 'oracle', 1000 + s, settings)),
    );
    for (const dispatch of settings.dispatchers) {
      const all: RequestRecord[] = [];
      const ratios: number[] = [];
      schedules.forEach((schedule, s) => {
        const records = run(core, specs, schedule, dispatch, 1000 + s, settings);
        all.push(...records);
        ratios.push(p99Of(records) / oracleP99[s]!);
      });
      rows.push({ root: label, pooled: summarise(dispatch, all, specs.length, 0), p99Ratios: ratios });
    }
    const bare = heterogeneousFleet('fast-b');
    const counts = [0, 0, 0, 0];
    schedules.forEach((schedule, s) => {
      for (const r of run(core, bare, schedule, 'least-waiting', 1000 + s, settings)) counts[r.backend]!++;
    });
    const total = counts.reduce((a, b) => a + b, 0);
    const shares = counts.map((c) => c / total);
    noMetrics.push({ root: label, shares, ratio: shares[1]! / shares[0]! });
    const equal = equalFleet();
    const burstSchedule = burstArrivals(stream(1000, 3), 500, 100, BURST_WORKLOAD);
    for (const dispatch of settings.dispatchers) {
      const c = [0, 0, 0, 0];
      for (const r of run(core, equal, burstSchedule, dispatch, 1000, settings)) c[r.backend]!++;
      burst.push({ root: label, dispatch, counts: c });
    }
  }
  return { rateRps: rate, rows, noMetrics, burst };
}

function run(
  core: Awaited<ReturnType<typeof loadRouterCore>>,
  specs: readonly SimSpec[],
  schedule: Parameters<typeof replay>[0]['schedule'],
  dispatch: Dispatch,
  seed: number,
  settings: VirtualSettings,
): RequestRecord[] {
  return replay({
    specs,
    workload: POISSON_WORKLOAD,
    schedule,
    dispatch,
    seed,
    collectIntervalS: settings.collectIntervalS,
    scrapeDelayMs: settings.scrapeDelayMs,
    core,
  });
}

function p99Of(records: readonly RequestRecord[]): number {
  return percentile(ascending(records.map((r) => r.ttftMs ?? Number.POSITIVE_INFINITY)), 99);
}

export function printVirtual(
  result: VirtualResult,
  settings: VirtualSettings,
  names: readonly string[],
): void {
  const out = (text = ''): void => {
    process.stdout.write(`${text}\n`);
  };
  out(
    `virtual replay: router state + strategy code in virtual time, ${settings.seeds} seeds x ${settings.durationS} s, ` +
      `${result.rateRps.toFixed(1)} req/s (${settings.load} x model capacity), scrape every ` +
      `${settings.collectIntervalS} s (+${settings.scrapeDelayMs} ms)`,
  );
  const labelled = settings.roots.length > 1;
  out(
    table(
      [...TTFT_COLUMNS, 'per-seed median [min-max]', 'e2e p99', ...names],
      result.rows.map(({ root, pooled: s, p99Ratios }) => {
        const oracle = result.rows.find((r) => r.root === root && r.pooled.name === 'oracle')?.pooled;
        const ideal = result.rows.find((r) => r.root === root && r.pooled.name === 'ideal')?.pooled;
        return [
          labelled ? `${root}: ${s.name}` : s.name,
          ms(s.ttft.p50),
          ms(s.ttft.p90),
          ms(s.ttft.p99),
          oracle ? ratio(s.ttft.p99 / oracle.ttft.p99) : '-',
          ideal ? ratio(s.ttft.p99 / ideal.ttft.p99) : '-',
          `${ratio(median(p99Ratios))} [${ratio(Math.min(...p99Ratios))}-${ratio(Math.max(...p99Ratios))}]`,
          ms(s.e2e.p99),
          ...s.shares.map(pct),
        ];
      }),
    ),
  );
  for (const n of result.noMetrics) {
    out(
      `${labelled ? `${n.root}: ` : ''}no-metrics (least-waiting): shares ${n.shares.map(pct).join(' / ')}, ` +
        `fast-b / fast-a ${ratio(n.ratio)}`,
    );
  }
  out(
    `burst (500 in 100 ms, 4 equal): ${result.burst
      .map(
        (b) =>
          `${labelled ? `${b.root}:` : ''}${b.dispatch} max/fair ${ratio((Math.max(...b.counts) * 4) / 500)}`,
      )
      .join(', ')}`,
  );
}

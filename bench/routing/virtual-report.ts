import { median } from '../lib/stats.ts';
import { formatTable, ms, pct, ratio } from '../lib/table.ts';
import { burstArrivals, poissonArrivals } from './arrivals.ts';
import { afterStart, type BypassPlan, bypassPlan, type Steering, steering } from './bypass.ts';
import type { Dispatch } from './dispatchers.ts';
import {
  BURST_WORKLOAD,
  engineModel,
  equalFleet,
  FLEETS,
  type FleetName,
  heterogeneousFleet,
  POISSON_WORKLOAD,
  type SimSpec,
} from './fleet-spec.ts';
import type { RequestRecord } from './load-run.ts';
import { stream } from './prng.ts';
import { out, TTFT_COLUMNS } from './report.ts';
import { type RunSummary, summarise } from './run-summary.ts';
import { loadRouterCore, type RouterCore, replay } from './virtual.ts';

export interface VirtualSettings {
  readonly seeds: number;
  readonly durationS: number;
  readonly load: number;
  readonly collectIntervalS: number;
  readonly scrapeDelayMs: number;
  /** Always includes `oracle` and `ideal` (the bases of every ratio). */
  readonly dispatchers: readonly Dispatch[];
  readonly fleets: readonly FleetName[];
  /** label → repository root (null: this one). */
  readonly roots: readonly { readonly label: string; readonly root: string | null }[];
}

export interface VirtualRow {
  readonly root: string;
  readonly pooled: RunSummary;
  /** Per seed: this dispatcher's p99 TTFT / the oracle's on the same arrivals. */
  readonly p99Ratios: number[];
}

export interface VirtualFleet {
  readonly fleet: FleetName;
  readonly rateRps: number;
  readonly rows: VirtualRow[];
}

export interface VirtualBypass {
  readonly root: string;
  readonly dispatch: Dispatch;
  /** Routed requests after the direct client started, pooled over the seeds. */
  readonly after: RunSummary;
  readonly steering: Steering;
}

export interface VirtualResult {
  readonly fleets: VirtualFleet[];
  readonly noMetrics: { readonly root: string; readonly shares: number[]; readonly ratio: number }[];
  readonly burst: { readonly root: string; readonly dispatch: Dispatch; readonly counts: number[] }[];
  readonly bypass: VirtualBypass[];
}

const seedOf = (s: number): number => 1000 + s;

/**
 * Many seeds × long runs in virtual time: pooled percentiles, and the per-seed p99 ratio to the oracle (its
 * median and range say how much of a single 30 s live run's ratio is luck); per fleet, then the
 * metric-less backend, the burst and the client bypassing the router.
 */
export async function runVirtual(settings: VirtualSettings): Promise<VirtualResult> {
  const cores = await Promise.all(
    settings.roots.map(async ({ label, root }) => ({ label, core: await loadRouterCore(root) })),
  );
  const fleets = settings.fleets.map((fleet) => runFleet(fleet, cores, settings));
  const noMetrics: VirtualResult['noMetrics'] = [];
  const burst: VirtualResult['burst'] = [];
  const bypass: VirtualBypass[] = [];
  const het = heterogeneousFleet();
  const models = het.map((spec) => engineModel(spec, POISSON_WORKLOAD));
  const rate = settings.load * models.reduce((sum, m) => sum + m.capacityRps, 0);
  const schedules = poissonSchedules(rate, settings);
  const plans = Array.from({ length: settings.seeds }, (_, s) =>
    bypassPlan(
      seedOf(s),
      models,
      settings.load,
      settings.durationS * 1000,
      POISSON_WORKLOAD,
      settings.collectIntervalS,
    ),
  );
  for (const { label, core } of cores) {
    const bare = heterogeneousFleet('fast-b');
    const counts = [0, 0, 0, 0];
    schedules.forEach((schedule, s) => {
      for (const r of run(core, bare, schedule, 'least-waiting', seedOf(s), settings)) counts[r.backend]!++;
    });
    const total = counts.reduce((a, b) => a + b, 0);
    const shares = counts.map((c) => c / total);
    noMetrics.push({ root: label, shares, ratio: shares[1]! / shares[0]! });
    const burstSchedule = burstArrivals(stream(seedOf(0), 3), 500, 100, BURST_WORKLOAD);
    for (const dispatch of settings.dispatchers) {
      const c = [0, 0, 0, 0];
      for (const r of run(core, equalFleet(), burstSchedule, dispatch, seedOf(0), settings)) c[r.backend]!++;
      burst.push({ root: label, dispatch, counts: c });
    }
    for (const dispatch of settings.dispatchers.filter((d) => d !== 'simple-shuffle' && d !== 'oracle')) {
      bypass.push({ root: label, dispatch, ...runBypass(core, het, plans, dispatch, settings) });
    }
  }
  return { fleets, noMetrics, burst, bypass };
}

function poissonSchedules(rate: number, settings: VirtualSettings) {
  return Array.from({ length: settings.seeds }, (_, s) =>
    poissonArrivals(stream(seedOf(s), 1), rate, settings.durationS * 1000, POISSON_WORKLOAD),
  );
}

function runFleet(
  fleet: FleetName,
  cores: readonly { label: string; core: RouterCore }[],
  settings: VirtualSettings,
): VirtualFleet {
  const specs = FLEETS[fleet]();
  const capacity = specs.reduce((sum, spec) => sum + engineModel(spec, POISSON_WORKLOAD).capacityRps, 0);
  const rate = settings.load * capacity;
  const schedules = poissonSchedules(rate, settings);
  const rows: VirtualRow[] = [];
  for (const { label, core } of cores) {
    const oracleP99 = schedules.map(
      (schedule, s) =>
        summarise('oracle', run(core, specs, schedule, 'oracle', seedOf(s), settings), specs.length, 0).ttft
          .p99,
    );
    for (const dispatch of settings.dispatchers) {
      const all: RequestRecord[] = [];
      const ratios: number[] = [];
      schedules.forEach((schedule, s) => {
        const records = run(core, specs, schedule, dispatch, seedOf(s), settings);
        all.push(...records);
        ratios.push(summarise(dispatch, records, specs.length, 0).ttft.p99 / oracleP99[s]!);
      });
      rows.push({ root: label, pooled: summarise(dispatch, all, specs.length, 0), p99Ratios: ratios });
    }
  }
  return { fleet, rateRps: rate, rows };
}

function runBypass(
  core: RouterCore,
  specs: readonly SimSpec[],
  plans: readonly BypassPlan[],
  dispatch: Dispatch,
  settings: VirtualSettings,
): { after: RunSummary; steering: Steering } {
  const after: RequestRecord[] = [];
  const all: RequestRecord[][] = [];
  plans.forEach((plan, s) => {
    const records = run(core, specs, plan.routed, dispatch, seedOf(s), settings, plan);
    all.push(records);
    after.push(...afterStart(records, plan));
  });
  // Shares pooled over the seeds: steering() on each, then the mean of each figure.
  const each = all.map((records, s) => steering(records, plans[s]!));
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  return {
    after: summarise(dispatch, after, specs.length, 0),
    steering: {
      before: mean(each.map((e) => e.before)),
      periods: each[0]!.periods.map((_, k) => mean(each.map((e) => e.periods[k]!))),
      settled: mean(each.map((e) => e.settled)),
    },
  };
}

function run(
  core: RouterCore,
  specs: readonly SimSpec[],
  schedule: Parameters<typeof replay>[0]['schedule'],
  dispatch: Dispatch,
  seed: number,
  settings: VirtualSettings,
  plan: BypassPlan | null = null,
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
    direct: plan?.direct ?? null,
  });
}

/** The result rows of one dispatcher (first root unless `root` is given). */
export function virtualRow(
  result: VirtualResult,
  fleet: FleetName,
  dispatch: Dispatch,
  root?: string,
): RunSummary | undefined {
  const rows = result.fleets.find((f) => f.fleet === fleet)?.rows ?? [];
  return rows.find((r) => r.pooled.name === dispatch && (root === undefined || r.root === root))?.pooled;
}

export function printVirtual(result: VirtualResult, settings: VirtualSettings): void {
  const labelled = settings.roots.length > 1;
  const tag = (root: string) => (labelled ? `${root}: ` : '');
  out(
    `virtual replay: router state + strategy code in virtual time, ${settings.seeds} seeds x ${settings.durationS} s ` +
      `at ${settings.load} x model capacity, scrape every ${settings.collectIntervalS} s (+${settings.scrapeDelayMs} ms)`,
  );
  for (const { fleet, rateRps, rows } of result.fleets) {
    const names = FLEETS[fleet]().map((spec) => spec.name);
    out();
    out(`${fleet} fleet, ${rateRps.toFixed(1)} req/s`);
    out(
      formatTable(
        [...TTFT_COLUMNS, 'per-seed median [min-max]', 'e2e p99', 'e2e/ideal', ...names],
        rows.map(({ root, pooled: s, p99Ratios }) => {
          const oracle = rows.find((r) => r.root === root && r.pooled.name === 'oracle')?.pooled;
          const ideal = rows.find((r) => r.root === root && r.pooled.name === 'ideal')?.pooled;
          return [
            `${tag(root)}${s.name}`,
            ms(s.ttft.p50),
            ms(s.ttft.p90),
            ms(s.ttft.p99),
            oracle ? ratio(s.ttft.p99 / oracle.ttft.p99) : '-',
            ideal ? ratio(s.ttft.p99 / ideal.ttft.p99) : '-',
            `${ratio(median(p99Ratios))} [${ratio(Math.min(...p99Ratios))}-${ratio(Math.max(...p99Ratios))}]`,
            ms(s.e2e.p99),
            ideal ? ratio(s.e2e.p99 / ideal.e2e.p99) : '-',
            ...s.shares.map(pct),
          ];
        }),
      ),
    );
  }
  out();
  for (const n of result.noMetrics) {
    out(
      `${tag(n.root)}no-metrics (least-waiting): shares ${n.shares.map(pct).join(' / ')}, ` +
        `fast-b / fast-a ${ratio(n.ratio)}`,
    );
  }
  out(
    `burst (500 in 100 ms, 4 equal): ${result.burst
      .map((b) => `${tag(b.root)}${b.dispatch} max/fair ${ratio((Math.max(...b.counts) * 4) / 500)}`)
      .join(', ')}`,
  );
  printBypass(
    result.bypass.map((b) => ({ ...b, name: `${tag(b.root)}${b.dispatch}` })),
    settings.collectIntervalS,
  );
}

/** Routed share to the bypassed engine before and per scrape period after the direct client started. */
export function printBypass(
  rows: readonly { name: string; after: RunSummary; steering: Steering }[],
  periodS: number,
): void {
  out();
  out(
    `bypass: another client sends fast-a 60% of its capacity directly from a third of the run on; ` +
      `routed share to fast-a per ${periodS} s scrape period after it started`,
  );
  const ideal = rows.find((r) => r.name.endsWith('ideal'));
  out(
    formatTable(
      [
        'dispatcher',
        'before',
        ...[1, 2, 3, 4, 5, 6].map((k) => `+${k}`),
        'settled',
        'TTFT p99 after',
        '/ideal',
      ],
      rows.map((r) => [
        r.name,
        pct(r.steering.before),
        ...r.steering.periods.slice(0, 6).map(pct),
        pct(r.steering.settled),
        ms(r.after.ttft.p99),
        ideal ? ratio(r.after.ttft.p99 / ideal.after.ttft.p99) : '-',
      ]),
    ),
  );
}

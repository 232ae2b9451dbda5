import type { Dispatch } from './dispatchers.ts';
import type { RequestRecord } from './load-run.ts';
import { prefixTable } from './prefix-table.ts';
import {
  HOT_PREFIX_WORKLOAD,
  PREFIX_CACHE_TOKENS,
  type PrefixWorkload,
  prefixArrivals,
  prefixCapacity,
  prefixFleet,
  SHARED_PREFIX_WORKLOAD,
} from './prefix-workload.ts';
import { stream } from './prng.ts';
import { out } from './report.ts';
import { type RunSummary, summarise } from './run-summary.ts';
import { emptyReplayStats, loadRouterCore, type ReplayStats, replay } from './virtual.ts';

/** The dispatchers of the shared-prefix scenario; the last row is cache-aware with its index sized to the engines. */
export const PREFIX_DISPATCHERS = ['simple-shuffle', 'least-waiting', 'cache-aware', 'oracle'] as const;
export const SIZED = 'cache-aware, sized index';

/**
 * routing.cache_aware.max_blocks as docs/routing.md sizes it for this fleet: each engine's prefix cache in
 * the router's blocks (about 4 bytes of prompt per token, 256 bytes a block), times the engines.
 */
export const SIZED_MAX_BLOCKS = Math.round((4 * PREFIX_CACHE_TOKENS * 4) / 256);

export interface PrefixVirtualSettings {
  readonly seeds: number;
  readonly durationS: number;
  /** Arrival rate as a fraction of the fleet's capacity when every prefill misses. */
  readonly load: number;
  readonly collectIntervalS: number;
  /** Run only these scenarios / rows (default: all). */
  readonly scenarios?: readonly PrefixScenario['name'][];
  readonly rows?: readonly string[];
}

interface PrefixRun {
  readonly label: string;
  readonly dispatch: Dispatch;
  readonly cacheAware: { readonly maxBlocks?: number };
}

export interface PrefixRow {
  readonly name: string;
  readonly pooled: RunSummary;
  readonly stats: ReplayStats;
}

export interface PrefixScenario {
  readonly name: 'shared-prefix' | 'hot-prefix';
  readonly rateRps: number;
  readonly capacity: { readonly miss: number; readonly hit: number };
  readonly rows: PrefixRow[];
}

/** Both prefix scenarios in virtual time: every dispatcher on the same arrivals, pooled over the seeds. */
export async function runPrefixVirtual(settings: PrefixVirtualSettings): Promise<PrefixScenario[]> {
  const core = await loadRouterCore(null);
  const specs = prefixFleet();
  const scenarios: [PrefixScenario['name'], PrefixWorkload][] = [
    ['shared-prefix', SHARED_PREFIX_WORKLOAD],
    ['hot-prefix', HOT_PREFIX_WORKLOAD],
  ];
  const chosen = scenarios.filter(([name]) => settings.scenarios?.includes(name) ?? true);
  return chosen.map(([name, workload]) => {
    const capacity = prefixCapacity(specs, workload);
    const rate = settings.load * capacity.miss;
    const schedules = Array.from({ length: settings.seeds }, (_, s) =>
      prefixArrivals(stream(2000 + s, 1), rate, settings.durationS * 1000, workload),
    );
    const all: PrefixRun[] = [
      ...PREFIX_DISPATCHERS.map((d) => ({ label: d, dispatch: d, cacheAware: {} })),
      { label: SIZED, dispatch: 'cache-aware', cacheAware: { maxBlocks: SIZED_MAX_BLOCKS } },
    ];
    const runs = all.filter((run) => settings.rows?.includes(run.label) ?? true);
    const rows = runs.map(({ label, dispatch, cacheAware }) => {
      const stats = emptyReplayStats();
      const all: RequestRecord[] = [];
      schedules.forEach((schedule, s) => {
        all.push(
          ...replay({
            specs,
            workload,
            schedule,
            dispatch,
            seed: 2000 + s,
            collectIntervalS: settings.collectIntervalS,
            scrapeDelayMs: 2,
            core,
            cacheAware,
            stats,
          }),
        );
      });
      return { name: label, pooled: summarise(label, all, specs.length, 0), stats };
    });
    return { name, rateRps: rate, capacity, rows };
  });
}

export function prefixRow(scenarios: readonly PrefixScenario[], scenario: string, name: string) {
  return scenarios.find((s) => s.name === scenario)?.rows.find((r) => r.name === name);
}

export const hitRate = (stats: ReplayStats): number =>
  stats.cacheQueries === 0 ? 0 : stats.cacheHits / stats.cacheQueries;

export function printPrefixVirtual(
  scenarios: readonly PrefixScenario[],
  settings: PrefixVirtualSettings,
): void {
  const names = prefixFleet().map((spec) => spec.name);
  for (const scenario of scenarios) {
    out();
    out(
      `${scenario.name} (virtual, ${settings.seeds} seeds x ${settings.durationS} s): ${scenario.rateRps.toFixed(1)} req/s ` +
        `= ${settings.load} x the fleet's capacity when every prefill misses (${scenario.capacity.miss.toFixed(1)}; ` +
        `${scenario.capacity.hit.toFixed(1)} when every one hits)`,
    );
    out(
      prefixTable(
        scenario.rows.map(({ pooled, stats }) => ({
          summary: pooled,
          hitRate: hitRate(stats),
          hotspot: stats.hotspotArrivals / Math.max(1, stats.arrivals),
          index:
            stats.indexCapacity === 0
              ? null
              : { entries: stats.indexEntries, capacity: stats.indexCapacity, bytes: stats.indexBytes },
        })),
        names,
      ),
    );
  }
  out(
    'cache hits: prompt tokens the engines found cached; hotspot: arrivals that found an engine queueing while ' +
      `another was idle; max/fair: the busiest engine's share of requests over its fair share; sized index: ` +
      `routing.cache_aware.max_blocks ${SIZED_MAX_BLOCKS} (the engines' caches in router blocks) instead of the default`,
  );
}

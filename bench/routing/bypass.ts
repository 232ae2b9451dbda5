import { type Arrival, type DirectTraffic, poissonArrivals } from './arrivals.ts';
import type { EngineModel, Workload } from './fleet-spec.ts';
import type { RequestRecord } from './load-run.ts';
import { stream } from './prng.ts';

/** The engine another client calls directly (fast-a), and how much of its capacity that client takes. */
export const BYPASSED = 0;
const DIRECT_SHARE = 0.6;
/** Scrape periods after the direct client starts from which the router must have steered around it. */
export const STEER_PERIODS = 3;

/**
 * A second client sends Poisson traffic straight to one engine, taking 60 % of its capacity, from a
 * third of the run on; the router gets the rest of `load` × the fleet's capacity.
 */
export interface BypassPlan {
  readonly routed: Arrival[];
  readonly direct: DirectTraffic;
  readonly startMs: number;
  readonly periodMs: number;
}

export function bypassPlan(
  seed: number,
  models: readonly EngineModel[],
  load: number,
  durationMs: number,
  workload: Workload,
  collectIntervalS: number,
  capacityRps = models.reduce((sum, m) => sum + m.capacityRps, 0),
): BypassPlan {
  const directRps = DIRECT_SHARE * models[BYPASSED]!.capacityRps;
  const startMs = durationMs / 3;
  const direct = poissonArrivals(stream(seed, 5), directRps, durationMs - startMs, workload).map((a) => ({
    ...a,
    atMs: a.atMs + startMs,
  }));
  return {
    routed: poissonArrivals(stream(seed, 6), load * capacityRps - directRps, durationMs, workload),
    direct: { backend: BYPASSED, schedule: direct },
    startMs,
    periodMs: collectIntervalS * 1000,
  };
}

/** How a dispatcher's routed traffic to the bypassed engine changed once the direct client started. */
export interface Steering {
  /** Share of routed requests sent to the bypassed engine before the start (the last 20 s of it). */
  readonly before: number;
  /** The same per scrape period after the start (the first eight). */
  readonly periods: number[];
  /** From STEER_PERIODS periods after the start to the end. */
  readonly settled: number;
}

export function steering(records: readonly RequestRecord[], plan: BypassPlan): Steering {
  const count = (from: number, to: number): number => {
    let all = 0;
    let bypassed = 0;
    for (const r of records) {
      const at = plan.routed[r.index]?.atMs ?? Number.NaN;
      if (!(at >= from && at < to)) continue;
      all++;
      if (r.backend === BYPASSED) bypassed++;
    }
    return all === 0 ? Number.NaN : bypassed / all;
  };
  const { startMs, periodMs } = plan;
  return {
    before: count(Math.max(0, startMs - 20_000), startMs),
    periods: Array.from({ length: 8 }, (_, k) => count(startMs + k * periodMs, startMs + (k + 1) * periodMs)),
    settled: count(startMs + STEER_PERIODS * periodMs, Number.POSITIVE_INFINITY),
  };
}

/** The routed requests that arrived after the direct client started. */
export function afterStart(records: readonly RequestRecord[], plan: BypassPlan): RequestRecord[] {
  return records.filter((r) => (plan.routed[r.index]?.atMs ?? 0) >= plan.startMs);
}

import type { Dispatch } from './dispatchers.ts';
import type { Flags } from './flags.ts';
import type { FleetMethods } from './fleet-methods.ts';
import type { SimSpec } from './fleet-spec.ts';
import type { LiveFleet } from './live-fleet.ts';
import type { RpcChild } from './rpc.ts';
import type { ScenarioResult, ScenarioSettings } from './scenario.ts';
import type { TargetCheck } from './targets.ts';

/** What every part of bench/routing.ts gets: the sims' child, the flags, and the heterogeneous fleet's run. */
export interface SectionContext {
  readonly fleet: RpcChild<FleetMethods>;
  readonly flags: Flags;
  readonly settings: ScenarioSettings;
  /** The heterogeneous fleet and its measured capacity (its runs are empty without `poisson`). */
  readonly specs: readonly SimSpec[];
  readonly het: LiveFleet;
}

/** One part's figures for the result JSON and its verdicts. */
export interface Section {
  readonly result: unknown;
  readonly targets: TargetCheck[];
}

/** The side scenarios compare least-waiting with the references and the count-only strategy. */
export const SIDE_DISPATCHERS: readonly Dispatch[] = ['ideal', 'least-connections', 'least-waiting'];

/** The bar: least-waiting within 1.2× of the ideal dispatcher. */
export const IDEAL_BOUND = 1.2;

/** A run as stored in the result JSON: figures plus [backend, ttft, e2e, send lag] per request. */
export function compact(r: ScenarioResult) {
  return {
    summary: r.summary,
    queues: r.queues,
    lag: r.lag,
    oracleCounterMaxGap: r.oracleCounterMaxGap,
    routerView: r.routerView,
    requests: r.records.map((q) => [
      q.backend,
      q.ttftMs === null ? null : Math.round(q.ttftMs * 10) / 10,
      q.e2eMs === null ? null : Math.round(q.e2eMs * 10) / 10,
      Math.round(q.sendLagMs * 100) / 100,
    ]),
  };
}

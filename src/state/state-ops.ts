import type { EngineLoad } from '../metrics/engine-load.ts';
import type {
  AttemptReport,
  BlameReport,
  ClientRequestRecord,
  FirstByteTiming,
  HealthTransition,
  ProbeReport,
  RouterState,
} from './router-state.ts';

/**
 * RouterState calls whose answer nobody waits for on the request path, as data: a remote state
 * (RemoteRouterState) queues them per shard and sends each turn's queue as one message, so a finished
 * attempt's release and its client-request record cost one round trip together.
 */
export type StateOp =
  | {
      readonly op: 'register';
      readonly model: string;
      readonly entries: readonly { id: string; healthy: boolean }[];
    }
  | { readonly op: 'retire'; readonly model: string; readonly ids: readonly string[] }
  | {
      readonly op: 'firstByte';
      readonly model: string;
      readonly id: string;
      readonly attempt?: FirstByteTiming;
    }
  | {
      readonly op: 'renew';
      readonly model: string;
      readonly lease: string;
      readonly leaseMs: number;
      readonly now: number;
    }
  | { readonly op: 'release'; readonly report: AttemptReport }
  | { readonly op: 'blame'; readonly report: BlameReport }
  | { readonly op: 'applyProbe'; readonly report: ProbeReport }
  | {
      readonly op: 'applyLoad';
      readonly model: string;
      readonly id: string;
      readonly load: EngineLoad | null;
      readonly now: number;
    }
  | { readonly op: 'recordRequest'; readonly record: ClientRequestRecord };

/** One answer per op, in order: a transition for release/blame/applyProbe, null otherwise. */
export type StateOpResult = HealthTransition | null;

/**
 * Apply one op to the state that owns the shard. `now` maps the caller's timestamp to the owner's clock:
 * windows must run on one clock, and callers on other machines may disagree by milliseconds.
 */
export function applyStateOp(
  state: RouterState,
  op: StateOp,
  now: (callerNow: number) => number = (callerNow) => callerNow,
): StateOpResult | Promise<StateOpResult> {
  switch (op.op) {
    case 'register':
      return voidOf(state.register(op.model, op.entries));
    case 'retire':
      return voidOf(state.retire(op.model, op.ids));
    case 'firstByte':
      return voidOf(state.firstByte(op.model, op.id, op.attempt));
    case 'renew':
      return voidOf(state.renew(op.model, op.lease, op.leaseMs, now(op.now)));
    case 'release':
      return state.release({ ...op.report, now: now(op.report.now) });
    case 'blame':
      return state.blame({ ...op.report, now: now(op.report.now) });
    case 'applyProbe':
      return state.applyProbe({ ...op.report, now: now(op.report.now) });
    case 'applyLoad':
      return voidOf(state.applyLoad(op.model, op.id, op.load, now(op.now)));
    case 'recordRequest':
      return voidOf(state.recordRequest(op.record));
  }
}

function voidOf(result: void | Promise<void>): null | Promise<null> {
  return result instanceof Promise ? result.then(() => null) : null;
}

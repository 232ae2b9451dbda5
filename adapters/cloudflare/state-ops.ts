import type {
  AttemptReport,
  ClientRequestRecord,
  EngineLoad,
  FirstByteTiming,
  HealthTransition,
  ProbeReport,
} from '../../src/index.ts';

/**
 * RouterState calls whose answer nobody waits for on the request path. The Worker queues them per shard
 * and sends each turn's queue as one RPC, so a finished attempt's release and its client-request record
 * cost one round trip together.
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
  | { readonly op: 'release'; readonly report: AttemptReport }
  | { readonly op: 'applyProbe'; readonly report: ProbeReport }
  | {
      readonly op: 'applyLoad';
      readonly model: string;
      readonly id: string;
      readonly load: EngineLoad | null;
      readonly now: number;
    }
  | { readonly op: 'recordRequest'; readonly record: ClientRequestRecord };

/** One answer per op, in order: a transition for release/applyProbe, null otherwise. */
export type StateOpResult = HealthTransition | null;

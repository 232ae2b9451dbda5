import type { AfterSendMode } from '../config/main-config-schema.ts';
import type { StatePolicy } from '../state/router-state.ts';
import type { BackoffPolicy } from './backoff.ts';
import type { AffinitySettings } from './request-affinity.ts';

/** The live-reloadable part of config.yaml that the attempt loop reads per request. */
export interface DispatchSettings {
  readonly numRetries: number;
  /** retry.after_send: may a request the backend may already have processed be sent again. */
  readonly afterSend: AfterSendMode;
  readonly backoff: BackoffPolicy;
  readonly rateLimitMode: 'reject' | 'wait';
  readonly maxWaitMs: number;
  /**
   * How often a request waiting on saturated backends (max_concurrency) asks the state again. Each ask
   * is a state call: free in memory, a Durable Object round trip (and a subrequest) on Workers.
   */
  readonly saturationPollMs: number;
  /**
   * Attempts are leased for this long and renewed every third of it (Workers: a release may be lost on
   * the way to the Durable Object); null where releases cannot be lost (Node's in-process state).
   */
  readonly leaseMs: number | null;
  /** What the state judges this request's acquire and releases by. */
  readonly statePolicy: StatePolicy;
  /** routing.per_model: the policy of each model routed differently from the rest. */
  readonly modelPolicies: ReadonlyMap<string, StatePolicy>;
  /** routing.cache_aware as the core reads requests for it (block size, session header). */
  readonly affinity: AffinitySettings;
}

import type { StrategyName } from '../config/main-config-schema.ts';
import type { BackoffPolicy } from './backoff.ts';

/** The live-reloadable part of config.yaml that the attempt loop reads per request. */
export interface DispatchSettings {
  readonly strategy: StrategyName;
  readonly numRetries: number;
  readonly backoff: BackoffPolicy;
  /** retry.failure_threshold: consecutive traffic failures that eject a backend. */
  readonly failureThreshold: number;
  readonly rateLimitMode: 'reject' | 'wait';
  readonly maxWaitMs: number;
  /**
   * How often a request waiting on saturated backends (max_concurrency) asks the state again. Each ask
   * is a state call: free in memory, a Durable Object round trip (and a subrequest) on Workers.
   */
  readonly saturationPollMs: number;
  /** Engine metrics older than this are ignored (a few scrape periods). */
  readonly staleAfterMs: number;
}

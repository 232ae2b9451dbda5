import type { Random } from './random.ts';

export interface BackoffPolicy {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly jitterFactor: number;
}

/** Delay before retry `n` (1-based): base·2^(n-1), capped, then spread by ±jitter so retries do not align. */
export function backoffDelay(retry: number, policy: BackoffPolicy, random: Random): number {
  const exponential = Math.min(policy.baseDelayMs * 2 ** (retry - 1), policy.maxDelayMs);
  const spread = 1 + policy.jitterFactor * (2 * random() - 1);
  return Math.max(0, Math.round(exponential * spread));
}

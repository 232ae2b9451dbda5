import type { StatePolicy } from '../../src/index.ts';

/** A StatePolicy for state tests: the config defaults unless a test names what it exercises. */
export function policyOf(over: Partial<StatePolicy> = {}): StatePolicy {
  return {
    strategy: 'least-connections',
    staleAfterMs: 5000,
    ejectAfterFailures: 3,
    probeFailureThreshold: 3,
    recoveryThreshold: 1,
    ...over,
  };
}

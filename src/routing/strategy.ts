import type { Random } from '../core/random.ts';
import type { BackendProfile } from './backend-profile.ts';
import type { CandidateView } from './candidate-view.ts';

/**
 * Choose the index of one candidate; `candidates` is never empty. `profiles[i]` is candidate i's size and
 * speed with the unknowns filled in (resolveProfiles), for the strategies that use them.
 */
export type Strategy = (
  candidates: readonly CandidateView[],
  random: Random,
  profiles: readonly BackendProfile[],
) => number;

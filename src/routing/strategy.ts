import type { Random } from '../core/random.ts';
import type { CandidateView } from './candidate-view.ts';

/** Choose the index of one candidate; `candidates` is never empty. */
export type Strategy = (candidates: readonly CandidateView[], random: Random) => number;

import type { Random } from '../core/random.ts';
import type { CandidateView } from './candidate-view.ts';
import { weightedPick } from './weighted-pick.ts';

/**
 * Power of two choices: draw two distinct candidates (by weight) and keep the one with the lower
 * weight-normalised score; ties go to either at random. Two draws avoid the herd that "pick the global
 * minimum" causes when many requests see the same stale numbers.
 */
export function powerOfTwo(
  candidates: readonly CandidateView[],
  random: Random,
  score: (candidate: CandidateView, index: number) => number,
): number {
  if (candidates.length === 1) return 0;
  const a = weightedPick(candidates, random);
  const b = weightedPick(candidates, random, a);
  const ca = candidates[a]!;
  const cb = candidates[b]!;
  const sa = score(ca, a) / ca.weight;
  const sb = score(cb, b) / cb.weight;
  if (sa < sb) return a;
  if (sb < sa) return b;
  return random() < 0.5 ? a : b;
}

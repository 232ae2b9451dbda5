import type { Random } from '../core/random.ts';
import type { CandidateView } from './candidate-view.ts';

/** Index drawn with probability proportional to weight, skipping `exclude`. */
export function weightedPick(candidates: readonly CandidateView[], random: Random, exclude = -1): number {
  let total = 0;
  for (let i = 0; i < candidates.length; i++) if (i !== exclude) total += candidates[i]?.weight ?? 0;
  let point = random() * total;
  let last = -1;
  for (let i = 0; i < candidates.length; i++) {
    if (i === exclude) continue;
    last = i;
    point -= candidates[i]?.weight ?? 0;
    if (point < 0) return i;
  }
  // Floating-point remainder: the last eligible index.
  return last;
}

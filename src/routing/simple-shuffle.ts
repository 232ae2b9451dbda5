import type { Strategy } from './strategy.ts';
import { weightedPick } from './weighted-pick.ts';

/** Weighted random: P(backend) = weight / sum(weights). */
export const simpleShuffle: Strategy = (candidates, random) => weightedPick(candidates, random);

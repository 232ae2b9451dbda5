import { powerOfTwo } from './power-of-two.ts';
import type { Strategy } from './strategy.ts';

/** P2C over this router's in-flight requests (divided by weight, so weight 2 takes twice the load). */
export const leastConnections: Strategy = (candidates, random) =>
  powerOfTwo(candidates, random, (candidate) => candidate.inflight);

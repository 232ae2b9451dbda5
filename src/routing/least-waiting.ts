import type { Random } from '../core/random.ts';
import type { BackendProfile } from './backend-profile.ts';
import type { CandidateView } from './candidate-view.ts';
import { powerOfTwo } from './power-of-two.ts';
import type { Strategy } from './strategy.ts';

/**
 * Up to this many candidates every one is scored and the cheapest wins; beyond, power of two choices.
 * A full scan finds the best backend for every request, where two random draws out of four miss it half
 * the time, and it cannot herd: the load it scores is this router's own in-flight count, which rises
 * with every pick. Beyond a handful of candidates, two draws rarely miss a good one and keep the choice
 * O(1), and a backend whose speed was misjudged only wins the pairs it is drawn into.
 */
export const FULL_SCAN_MAX = 16;

/**
 * Requests at the engine ahead of a new one: this router's own in-flight requests (exact, real time, so
 * a burst between two scrapes spreads instead of herding onto the backend that looked idle) plus what
 * the engine reported beyond them at the last fresh scrape (other routers, direct clients).
 */
export function requestsAhead(candidate: CandidateView): number {
  return candidate.inflight + candidate.others;
}

/**
 * Expected time to first token (ms) of a request sent now to a backend with `ahead` requests on it:
 *
 *   firstToken · (1 + min(ahead, capacity) / capacity) + max(0, ahead − capacity + 1) · service / capacity
 *
 * With a free slot the request starts at once and takes the backend's time to first token, more of it
 * the busier the engine is (prefill shares each step with the running batch; and between equal engines
 * it keeps the load even instead of filling first whichever was measured a few ms faster). Without one,
 * it also waits for its turn: one slot frees every service/capacity on average, and it has
 * ahead − capacity + 1 turns to wait.
 */
export function expectedFirstTokenMs(ahead: number, profile: BackendProfile): number {
  const { capacity, firstTokenMs, serviceMs } = profile;
  const busy = Math.min(ahead, capacity) / capacity;
  const turns = Math.max(0, ahead - capacity + 1);
  return firstTokenMs * (1 + busy) + (turns * serviceMs) / capacity;
}

/** Expected time to first token (docs/routing.md), per unit of weight, lower wins. */
export const leastWaiting: Strategy = (candidates, random, profiles) => {
  const expected = (candidate: CandidateView, i: number): number =>
    expectedFirstTokenMs(requestsAhead(candidate), profiles[i]!);
  if (candidates.length > FULL_SCAN_MAX) return powerOfTwo(candidates, random, expected);
  return cheapest(candidates.length, (i) => expected(candidates[i]!, i) / candidates[i]!.weight, random);
};

/** Index with the lowest cost; ties at random. */
function cheapest(count: number, cost: (i: number) => number, random: Random): number {
  let best = 0;
  let bestCost = cost(0);
  let ties = 1;
  for (let i = 1; i < count; i++) {
    const c = cost(i);
    if (c < bestCost) {
      best = i;
      bestCost = c;
      ties = 1;
    } else if (c === bestCost) {
      // Reservoir sampling: each of the tied indexes ends up chosen with probability 1 / ties.
      ties++;
      if (random() * ties < 1) best = i;
    }
  }
  return best;
}

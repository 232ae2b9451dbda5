import type { CandidateView } from './candidate-view.ts';
import { powerOfTwo } from './power-of-two.ts';
import type { Strategy } from './strategy.ts';

/** KV-cache use only breaks ties: it must never outweigh one queued request. */
const KV_TIE_BREAK = 0.01;

/**
 * Load score (docs/routing.md):
 *   fresh metrics:  inflight + waiting + max(0, inflight - inflightAtScrape) + 0.01·kv
 *   stale or none:  inflight
 * `inflight` is exact and real-time for this router's own traffic; `waiting` adds what the engine queues
 * for everyone (other routers, direct clients); the growth of in-flight since the scrape estimates what
 * joined that queue since, so a burst between two scrapes does not herd onto the backend that looked idle.
 * Backends without metrics score on in-flight alone, on the same scale, so they are never starved.
 */
export function leastWaitingScore(candidate: CandidateView): number {
  if (candidate.engineWaiting === null) return candidate.inflight;
  const sinceScrape = Math.max(0, candidate.inflight - candidate.inflightAtScrape);
  return (
    candidate.inflight + candidate.engineWaiting + sinceScrape + KV_TIE_BREAK * (candidate.kvCacheUsage ?? 0)
  );
}

export const leastWaiting: Strategy = (candidates, random) =>
  powerOfTwo(candidates, random, leastWaitingScore);

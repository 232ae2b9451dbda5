import type { CandidateView } from './candidate-view.ts';
import { powerOfTwo } from './power-of-two.ts';
import type { Strategy } from './strategy.ts';

/** KV-cache use only breaks ties: it must never outweigh one queued request. */
const KV_TIE_BREAK = 0.01;

/**
 * Load score (docs/routing.md), lower is better:
 *   fresh metrics:  inflight + waiting + (waiting > 0 ? max(0, inflight - inflightAtScrape) : 0) + 0.01·kv
 *   stale or none:  inflight
 * `inflight` is this router's own open requests: exact and real time, so a burst between two scrapes
 * spreads instead of herding onto the backend that looked idle. `waiting` adds the engine's queue,
 * which includes everyone else's traffic (other routers, direct clients). When the engine was already
 * queueing at the scrape, what we dispatched since has joined that queue too, so it counts again; when it
 * was not, those requests are running and count once. Backends without metrics score on in-flight alone,
 * on the same scale, so they are never starved.
 */
export function leastWaitingScore(candidate: CandidateView): number {
  const { inflight, engineWaiting } = candidate;
  if (engineWaiting === null) return inflight;
  const joinedQueue = engineWaiting > 0 ? Math.max(0, inflight - candidate.inflightAtScrape) : 0;
  return inflight + engineWaiting + joinedQueue + KV_TIE_BREAK * (candidate.kvCacheUsage ?? 0);
}

export const leastWaiting: Strategy = (candidates, random) =>
  powerOfTwo(candidates, random, leastWaitingScore);

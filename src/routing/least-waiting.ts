import type { CandidateView } from './candidate-view.ts';
import { powerOfTwo } from './power-of-two.ts';
import type { Strategy } from './strategy.ts';

/** KV-cache use only breaks ties: it must never outweigh one queued request. */
const KV_TIE_BREAK = 0.01;

/**
 * Load score (docs/routing.md), in requests:
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

/**
 * Expected time until the new request is done, up to a constant: (load score + 1) requests, each taking
 * the backend's recent attempt duration. Counting requests alone treats a GPU three times slower as an
 * equal peer, so it fills up to the same queue length and every request queued there waits three times as
 * long; weighting by duration sends it a share matching its speed. The duration includes any queueing
 * at the engine, which the score counts as well: a queue pushes twice, which is what keeps traffic off
 * it. A backend without an estimate (new, or without enough recent samples, see LatencyEstimate) is
 * taken at the mean of the candidates that have one, so it is neither starved nor flooded while it is
 * measured.
 */
export function leastWaitingCost(candidate: CandidateView, unknownLatencyMs: number): number {
  // At least 1 ms: a zero estimate (an injected clock, a cached answer) must not zero out the load.
  return (leastWaitingScore(candidate) + 1) * Math.max(1, candidate.latencyMs ?? unknownLatencyMs);
}

export const leastWaiting: Strategy = (candidates, random) => {
  let sum = 0;
  let known = 0;
  for (const candidate of candidates) {
    if (candidate.latencyMs === null) continue;
    sum += candidate.latencyMs;
    known++;
  }
  const unknownLatencyMs = known === 0 ? 1 : sum / known;
  return powerOfTwo(candidates, random, (candidate) => leastWaitingCost(candidate, unknownLatencyMs));
};

import type { EngineLoad } from '../metrics/engine-load.ts';
import { RecentSamples } from './recent-samples.ts';

/**
 * Tokens per second one running sequence gets on an engine, from its own counters between two scrapes:
 * the generation-token counter's increase over the interval, divided by the mean running count. Per token,
 * so heavy-tailed output lengths do not move it; a prior for least-waiting until the router has timed
 * enough of its own requests there (a cold start, a new backend). It counts every client's sequences
 * alike, and a bigger batch decodes each sequence a little slower: a rough measure, replaced by the
 * router's own as soon as it has them.
 */
export class EngineDecodeRate {
  readonly #rates = new RecentSamples({ size: 8, memoryMs: 60_000, minSamples: 1 });
  /** Two scrapes closer than this (a retried scrape, an injected clock) time a counter's step, not a rate. */
  static readonly MIN_INTERVAL_MS = 50;
  #last: { tokens: number; running: number; at: number } | null = null;

  observe(load: EngineLoad, now: number): void {
    const tokens = load.generationTokens;
    if (tokens === null) {
      this.#last = null;
      return;
    }
    const last = this.#last;
    this.#last = { tokens, running: load.running, at: now };
    // A counter that went back is a restarted engine: start over from this scrape.
    if (last === null || tokens < last.tokens) return;
    if (now - last.at < EngineDecodeRate.MIN_INTERVAL_MS) {
      this.#last = last;
      return;
    }
    const running = (last.running + load.running) / 2;
    // Less than one sequence on average: too little decoding in the interval to time.
    if (running < 1) return;
    this.#rates.observe((tokens - last.tokens) / ((now - last.at) / 1000) / running, now);
  }

  /** Median of the recent rates (tokens/s per sequence); null when there is none. */
  value(now: number): number | null {
    return this.#rates.value(now);
  }
}

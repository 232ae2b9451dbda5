import type { EngineLoad } from '../metrics/engine-load.ts';

/** The window the hit rate covers: a minute, as the dashboard's other rates. */
const WINDOW_MS = 60_000;
/** Scrapes kept at most (one a second over the window, plus the baseline before it). */
const MAX_SAMPLES = 64;

interface Sample {
  readonly at: number;
  readonly queries: number;
  readonly hits: number;
}

/**
 * An engine's prefix-cache hit rate (0..1) over the last minute: from vLLM's counters, the tokens found
 * cached over the tokens looked up between the oldest scrape of the window and the newest; from SGLang,
 * its own `cache_hit_rate` gauge as last scraped. Null when the engine reports neither, or looked nothing
 * up in the window. A counter that went back is a restarted engine: its history is dropped.
 */
export class PrefixHitRate {
  readonly #samples: Sample[] = [];
  #gauge: number | null = null;
  #gaugeAt = 0;

  observe(load: EngineLoad, now: number): void {
    this.#gauge = load.prefixCacheHitRate;
    this.#gaugeAt = now;
    const { prefixCacheQueries: queries, prefixCacheHits: hits } = load;
    if (queries === null || hits === null) {
      this.#samples.length = 0;
      return;
    }
    const last = this.#samples.at(-1);
    if (last !== undefined && (queries < last.queries || hits < last.hits)) this.#samples.length = 0;
    this.#samples.push({ at: now, queries, hits });
    // Keep one sample at or before the window's start as the baseline of the difference.
    while (this.#samples.length > MAX_SAMPLES || (this.#samples[1]?.at ?? now) <= now - WINDOW_MS) {
      this.#samples.shift();
    }
  }

  value(now: number): number | null {
    const first = this.#samples[0];
    const last = this.#samples.at(-1);
    if (first !== undefined && last !== undefined && now - last.at <= WINDOW_MS) {
      const queried = last.queries - first.queries;
      if (queried > 0) return Math.min(1, Math.max(0, (last.hits - first.hits) / queried));
    }
    return this.#gauge !== null && now - this.#gaugeAt <= WINDOW_MS ? this.#gauge : null;
  }
}

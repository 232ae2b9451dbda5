/**
 * A backend's recent measurements of one kind, summarised by their median: the speed signal of
 * least-waiting. A median rather than a mean because LLM output lengths are
 * heavy-tailed: a mean (or a moving average) of a few requests swings with each long generation, which at
 * low concurrency shifts most of the traffic between equal backends for no reason. Samples expire, so a
 * backend that was slow a while ago (or is new) is measured again instead of judged on old news.
 */
export class RecentSamples {
  readonly #size: number;
  readonly #memoryMs: number;
  readonly #minSamples: number;
  readonly #values: number[] = [];
  readonly #at: number[] = [];
  #next = 0;
  /**
   * Every acquire reads every candidate's estimate, so the median is kept until a sample arrives or the
   * oldest one it counted expires, instead of sorted again per request.
   */
  #cached: number | null = null;
  #cachedAt = Number.POSITIVE_INFINITY;
  #validUntil = Number.NEGATIVE_INFINITY;

  constructor(options: { size: number; memoryMs: number; minSamples: number }) {
    this.#size = options.size;
    this.#memoryMs = options.memoryMs;
    this.#minSamples = options.minSamples;
  }

  observe(value: number, now: number): void {
    // A negative duration is a wall-clock step, not a measurement.
    if (!(value >= 0) || !Number.isFinite(value)) return;
    this.#validUntil = Number.NEGATIVE_INFINITY;
    if (this.#values.length < this.#size) {
      this.#values.push(value);
      this.#at.push(now);
      return;
    }
    this.#values[this.#next] = value;
    this.#at[this.#next] = now;
    this.#next = (this.#next + 1) % this.#size;
  }

  /** The median of the samples from the last `memoryMs`; null when fewer than `minSamples`. */
  value(now: number): number | null {
    // Earlier than the last computation (a clock step back) may count samples it left out: recompute.
    if (now >= this.#cachedAt && now <= this.#validUntil) return this.#cached;
    const recent: number[] = [];
    let oldest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.#values.length; i++) {
      const at = this.#at[i]!;
      if (now - at > this.#memoryMs) continue;
      recent.push(this.#values[i]!);
      oldest = Math.min(oldest, at);
    }
    let result: number | null = null;
    if (recent.length >= this.#minSamples) {
      recent.sort((a, b) => a - b);
      const mid = recent.length >> 1;
      result = recent.length % 2 === 1 ? recent[mid]! : (recent[mid - 1]! + recent[mid]!) / 2;
    }
    this.#cached = result;
    this.#cachedAt = now;
    this.#validUntil = oldest + this.#memoryMs;
    return result;
  }
}

/** Samples kept per backend: enough for a stable median, few enough to follow a change within seconds. */
const SAMPLES = 16;
/** Fewer recent samples than this is no estimate: one long generation must not brand a backend slow. */
export const MIN_SAMPLES = 4;
/**
 * Samples older than this are dropped, so a backend that was slow a while ago is measured again. Long
 * enough that a backend which just served a few long generations (and, busy with them, few others)
 * still has its short ones in view: at 30 s, a median of four samples, three of them long, read an
 * equal backend as twenty times slower.
 */
export const LATENCY_MEMORY_MS = 60_000;

/**
 * One backend's recent successful attempt durations (send to last byte), the speed signal of
 * least-waiting. The estimate is their median: LLM output lengths are heavy-tailed, and a mean (or a
 * moving average) of a few requests swings with each long generation, which at low concurrency shifts
 * most of the traffic between equal backends for no reason. Per request rather than per token (the router
 * does not parse bodies): the same traffic mix reaches every backend of a model, so the sizes cancel
 * out in the median, while a GPU that is really slower moves all of its samples.
 */
export class LatencyEstimate {
  readonly #ms: number[] = [];
  readonly #at: number[] = [];
  #next = 0;
  /**
   * Every acquire reads every candidate's estimate, so the median is kept until a sample arrives or the
   * oldest one it counted expires, instead of sorted again per request.
   */
  #cached: number | null = null;
  #cachedAt = Number.POSITIVE_INFINITY;
  #validUntil = Number.NEGATIVE_INFINITY;

  observe(ms: number, now: number): void {
    // A negative duration is a wall-clock step, not a measurement.
    if (!(ms >= 0)) return;
    this.#validUntil = Number.NEGATIVE_INFINITY;
    if (this.#ms.length < SAMPLES) {
      this.#ms.push(ms);
      this.#at.push(now);
      return;
    }
    this.#ms[this.#next] = ms;
    this.#at[this.#next] = now;
    this.#next = (this.#next + 1) % SAMPLES;
  }

  /** Median of the samples from the last LATENCY_MEMORY_MS; null when fewer than MIN_SAMPLES. */
  value(now: number): number | null {
    // Earlier than the last computation (a clock step back) may count samples it left out: recompute.
    if (now >= this.#cachedAt && now <= this.#validUntil) return this.#cached;
    const recent: number[] = [];
    let oldest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.#ms.length; i++) {
      const at = this.#at[i]!;
      if (now - at > LATENCY_MEMORY_MS) continue;
      recent.push(this.#ms[i]!);
      oldest = Math.min(oldest, at);
    }
    let median: number | null = null;
    if (recent.length >= MIN_SAMPLES) {
      recent.sort((a, b) => a - b);
      const mid = recent.length >> 1;
      median = recent.length % 2 === 1 ? recent[mid]! : (recent[mid - 1]! + recent[mid]!) / 2;
    }
    this.#cached = median;
    this.#cachedAt = now;
    this.#validUntil = oldest + LATENCY_MEMORY_MS;
    return median;
  }
}

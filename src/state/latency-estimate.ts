/** Weight of each new sample: about the last ten requests dominate. */
const ALPHA = 0.1;
/** An estimate with no new sample for this long is forgotten, so a backend slow once is tried again. */
export const LATENCY_MEMORY_MS = 30_000;

/**
 * Moving average of one backend's successful attempt duration (send to last byte), the speed signal of
 * least-waiting. Per request rather than per token: the router does not parse bodies, and the same
 * traffic mix reaches every backend of a model, so the sizes cancel out across backends.
 */
export class LatencyEstimate {
  #ms: number | null = null;
  #at = 0;

  observe(ms: number, now: number): void {
    this.#ms =
      this.#ms === null || now - this.#at > LATENCY_MEMORY_MS ? ms : this.#ms + ALPHA * (ms - this.#ms);
    this.#at = now;
  }

  /** Null before the first sample and once the last one is older than LATENCY_MEMORY_MS. */
  value(now: number): number | null {
    return this.#ms !== null && now - this.#at <= LATENCY_MEMORY_MS ? this.#ms : null;
  }
}

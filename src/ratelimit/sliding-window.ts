const INITIAL_CAPACITY = 16;

/**
 * Exact sliding window as a timestamp log (SPEC §5): an event at `t` counts while `now - t < windowMs`.
 * Time is passed in rather than read, because this lives in a Durable Object later and tests drive it with
 * explicit timestamps. The log is a ring buffer kept sorted by time, so expiry is a pop from the head.
 */
export class SlidingWindow {
  readonly #windowMs: number;
  #buf = new Float64Array(INITIAL_CAPACITY);
  #head = 0;
  #size = 0;

  constructor(windowMs = 60_000) {
    if (!(windowMs > 0)) throw new RangeError(`window must be positive, got ${windowMs}`);
    this.#windowMs = windowMs;
  }

  /** Events with timestamp t count while now - t < windowMs. */
  count(now: number): number {
    this.#evict(now);
    return this.#size;
  }

  /** Charge one event at `now` iff count(now) < limit; returns whether it was charged. limit null = unlimited (always charged and recorded). */
  tryCharge(now: number, limit: number | null): boolean {
    this.#evict(now);
    if (limit !== null && this.#size >= limit) return false;
    this.#insert(now);
    return true;
  }

  /** Record an event unconditionally (used for send/completion RPM statistics). */
  record(now: number): void {
    this.#evict(now);
    this.#insert(now);
  }

  /** Remove one event recorded at exactly `at` (refund when an attempt never reached the backend). Returns false if none. */
  refund(at: number): boolean {
    const buf = this.#buf;
    const mask = buf.length - 1;
    // Refunds follow their charge within one attempt, so the event is almost always near the tail.
    for (let k = this.#size - 1; k >= 0; k--) {
      const idx = (this.#head + k) & mask;
      const t = buf[idx]!;
      if (t === at) {
        for (let j = k + 1; j < this.#size; j++) {
          buf[(this.#head + j - 1) & mask] = buf[(this.#head + j) & mask]!;
        }
        this.#size--;
        return true;
      }
      if (t < at) return false;
    }
    return false;
  }

  /**
   * Milliseconds from `now` until count() < limit (0 if already below). A limit below 1 never frees, so
   * that case answers Infinity rather than pretending a wait would help.
   */
  msUntilFree(now: number, limit: number): number {
    this.#evict(now);
    if (this.#size < limit) return 0;
    if (limit < 1) return Number.POSITIVE_INFINITY;
    // Below the limit once every event up to and including this one has expired.
    const k = this.#size - Math.ceil(limit);
    const t = this.#buf[(this.#head + k) & (this.#buf.length - 1)]!;
    return Math.max(0, t + this.#windowMs - now);
  }

  #evict(now: number): void {
    const buf = this.#buf;
    const mask = buf.length - 1;
    const oldest = now - this.#windowMs;
    while (this.#size > 0 && buf[this.#head]! <= oldest) {
      this.#head = (this.#head + 1) & mask;
      this.#size--;
    }
    // Give memory back after a burst (an unlimited backend at 10k req/s logs 600k events); halving only at a
    // quarter full keeps resizing amortised O(1).
    if (buf.length > INITIAL_CAPACITY && this.#size < buf.length >>> 2) this.#resize(buf.length >>> 1);
  }

  #insert(t: number): void {
    if (this.#size === this.#buf.length) this.#resize(this.#buf.length * 2);
    const buf = this.#buf;
    const mask = buf.length - 1;
    // Keep the log sorted even if a clock steps back, so head eviction stays exact.
    let k = this.#size;
    while (k > 0 && buf[(this.#head + k - 1) & mask]! > t) {
      buf[(this.#head + k) & mask] = buf[(this.#head + k - 1) & mask]!;
      k--;
    }
    buf[(this.#head + k) & mask] = t;
    this.#size++;
  }

  #resize(capacity: number): void {
    const old = this.#buf;
    const mask = old.length - 1;
    const next = new Float64Array(capacity);
    for (let k = 0; k < this.#size; k++) next[k] = old[(this.#head + k) & mask]!;
    this.#buf = next;
    this.#head = 0;
  }
}

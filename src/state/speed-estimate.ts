import { RecentSamples } from './recent-samples.ts';

/** Samples kept per signal: enough for a stable median, few enough to follow a change within seconds. */
const SAMPLES = 32;
/** Fewer recent samples than this is no estimate: one long generation must not brand a backend slow. */
export const MIN_SPEED_SAMPLES = 4;
/**
 * Samples older than this are dropped, so a backend that was slow a while ago is measured again. Long
 * enough that a backend which just served a few long generations (and, busy with them, few others)
 * still has its short ones in view: at 30 s, a median of four samples, three of them long, read an
 * equal backend as twenty times slower.
 */
export const SPEED_MEMORY_MS = 60_000;

/**
 * How fast one backend serves this router's requests, from its successful attempts: the time to first
 * byte (prefill, plus any queueing) and the time from first to last byte (decoding, which no queue
 * lengthens). Per request rather than per token (the router does not parse bodies): the same traffic
 * mix reaches every backend of a model, so request sizes cancel out in the medians, while a GPU that is
 * really slower moves all of its samples. A response without a first-byte time (nothing relayed before
 * the end) counts as first byte at the end: all prefill, no decode, as a non-streaming answer looks.
 */
export class SpeedEstimate {
  readonly #firstByte = new RecentSamples({
    size: SAMPLES,
    memoryMs: SPEED_MEMORY_MS,
    minSamples: MIN_SPEED_SAMPLES,
  });
  readonly #decode = new RecentSamples({
    size: SAMPLES,
    memoryMs: SPEED_MEMORY_MS,
    minSamples: MIN_SPEED_SAMPLES,
  });

  /**
   * Whether each open attempt found a free slot when it was sent, by its dispatch time (an attempt's
   * `chargedAt`; attempts sent in the same millisecond share a list). Only those attempts measure the time
   * to first token: the others waited for a slot first, and counting that wait as slowness would make a
   * busy backend look slow, push its load elsewhere and count the queue twice.
   */
  readonly #open = new Map<number, boolean[]>();

  /** An attempt was sent at `chargedAt`, with (`freeSlot`) or without a slot free for it. */
  dispatched(chargedAt: number, freeSlot: boolean): void {
    const list = this.#open.get(chargedAt);
    if (list) list.push(freeSlot);
    else this.#open.set(chargedAt, [freeSlot]);
  }

  /**
   * The attempt sent at `chargedAt` ended; `latencyMs`/`ttftMs` are given when it succeeded (a sample).
   * Its dispatch may be unknown (state restarted since): then only its decoding time counts.
   */
  settled(chargedAt: number, now: number, sample?: { latencyMs: number; ttftMs: number | null }): void {
    const list = this.#open.get(chargedAt);
    const freeSlot = list?.pop() ?? false;
    if (list?.length === 0) this.#open.delete(chargedAt);
    // A negative duration is a wall-clock step, not a measurement.
    if (sample === undefined || !(sample.latencyMs >= 0)) return;
    const { latencyMs, ttftMs } = sample;
    const firstByte = ttftMs === null || !(ttftMs >= 0) ? latencyMs : Math.min(ttftMs, latencyMs);
    if (freeSlot) this.#firstByte.observe(firstByte, now);
    this.#decode.observe(latencyMs - firstByte, now);
  }

  /** Time to first token on a free slot (ms); null while unknown. */
  firstTokenMs(now: number): number | null {
    return this.#firstByte.value(now);
  }

  /** How long a request holds a slot (first token plus decoding, ms); null while unknown. */
  serviceMs(now: number): number | null {
    const first = this.#firstByte.value(now);
    const decode = this.#decode.value(now);
    return first === null || decode === null ? null : first + decode;
  }
}

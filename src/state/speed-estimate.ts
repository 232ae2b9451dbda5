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

/** One attempt in flight: whether it found a free slot when sent, and whether its first byte came. */
interface OpenAttempt {
  readonly freeSlot: boolean;
  firstByte: boolean;
}

/**
 * How fast one backend serves this router's requests, from its own attempts: the time to first byte of
 * those that found a free slot (prefill: the others waited for a slot first, and counting that wait as
 * slowness would make a busy backend look slow, push its load elsewhere and count the queue twice), taken
 * when the first byte arrives; and the time from first to last byte of the successful ones (decoding,
 * which no queue lengthens). Per request rather than per token (the router does not parse bodies): the
 * same traffic mix reaches every backend of a model, so request sizes cancel out in the medians, while a
 * GPU that is really slower moves all of its samples. A success without a first-byte time (nothing
 * relayed before the end) counts as first byte at the end: all prefill, as a non-streaming answer looks.
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
  /** Open attempts by dispatch time (an attempt's `chargedAt`; those sent in the same millisecond share it). */
  readonly #open = new Map<number, OpenAttempt[]>();

  /** An attempt was sent at `chargedAt`, with (`freeSlot`) or without a slot free for it. */
  dispatched(chargedAt: number, freeSlot: boolean): void {
    const attempt: OpenAttempt = { freeSlot, firstByte: false };
    const list = this.#open.get(chargedAt);
    if (list) list.push(attempt);
    else this.#open.set(chargedAt, [attempt]);
  }

  /** The first response byte of the attempt sent at `chargedAt` arrived `ttftMs` after it was sent. */
  firstByte(chargedAt: number, ttftMs: number): void {
    const attempt = this.#open.get(chargedAt)?.find((a) => !a.firstByte);
    if (attempt === undefined) return;
    attempt.firstByte = true;
    if (attempt.freeSlot && ttftMs >= 0) this.#firstByte.observe(ttftMs, chargedAt + ttftMs);
  }

  /**
   * The attempt sent at `chargedAt` ended; `latencyMs`/`ttftMs` are given when it succeeded (a sample).
   * An attempt this estimate never saw dispatched (the state restarted since) only gives its decoding time.
   */
  settled(chargedAt: number, now: number, sample?: { latencyMs: number; ttftMs: number | null }): void {
    const list = this.#open.get(chargedAt);
    // Prefer one whose first byte was reported, so a same-millisecond sibling still gets its own.
    const timed = sample !== undefined && sample.ttftMs !== null;
    const index = list
      ? Math.max(
          0,
          list.findIndex((a) => a.firstByte === timed),
        )
      : -1;
    const attempt = list?.splice(index, 1)[0];
    if (list?.length === 0) this.#open.delete(chargedAt);
    // A negative duration is a wall-clock step, not a measurement.
    if (sample === undefined || !(sample.latencyMs >= 0)) return;
    const { latencyMs, ttftMs } = sample;
    const firstByte = ttftMs === null || !(ttftMs >= 0) ? latencyMs : Math.min(ttftMs, latencyMs);
    if (attempt?.freeSlot && !attempt.firstByte) this.#firstByte.observe(firstByte, now);
    this.#decode.observe(latencyMs - firstByte, now);
  }

  /** Time to first token on a free slot (ms); null while unknown. */
  firstTokenMs(now: number): number | null {
    return this.#firstByte.value(now);
  }

  /** Time from the first byte to the last (decoding, ms); null while unknown. */
  decodeMs(now: number): number | null {
    return this.#decode.value(now);
  }
}

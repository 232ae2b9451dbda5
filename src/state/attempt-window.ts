import { LATENCY_BIN_COUNT, latencyBin, type SparseBins, toSparse } from '../metrics/latency-bins.ts';
import { ATTEMPT_ERROR_KINDS, type AttemptErrorKind } from './attempt-error-kind.ts';

/** The dashboard's latency window: the last 60 s, advancing in 5 s slices. */
export const WINDOW_SLICE_MS = 5000;
export const WINDOW_SLICES = 12;
export const WINDOW_MS = WINDOW_SLICE_MS * WINDOW_SLICES;

export type ErrorCounts = Readonly<Record<AttemptErrorKind, number>>;

/** One backend's window as a state view carries it (plain data: it crosses Durable Object calls). */
export interface AttemptWindowView {
  /** Time to first byte of the successful attempts in the window. */
  readonly ttftBins: SparseBins;
  /** Send to last byte of the successful attempts in the window. */
  readonly latencyBins: SparseBins;
  /** Unsuccessful attempts in the window, by kind. */
  readonly errors: ErrorCounts;
  /** Unsuccessful attempts since the state started, by kind (the `/metrics` counter). */
  readonly errorsTotal: ErrorCounts;
  /** Rate of the engine's generation-token counter over the window; null without two scrapes of it. */
  readonly outputTokensPerSecond: number | null;
}

interface Slice {
  /** floor(time / WINDOW_SLICE_MS) this slot holds; a slot is reused when its slice has passed. */
  id: number;
  ttft: Uint32Array | null;
  latency: Uint32Array | null;
  errors: Uint32Array | null;
  /** First and last reading of the engine's generation-token counter in the slice. */
  tokensFirst: { at: number; count: number } | null;
  tokensLast: { at: number; count: number } | null;
}

/**
 * A backend's recent attempts in a fixed ring of time slices, so memory is bounded by the slice count,
 * not by traffic: arrays are allocated only for slices that saw traffic, and a slice is reused once it
 * has left the window.
 */
export class AttemptWindow {
  readonly #slices: Slice[] = Array.from({ length: WINDOW_SLICES }, () => emptySlice());
  readonly #errorsTotal = new Array<number>(ATTEMPT_ERROR_KINDS.length).fill(0);
  /**
   * Every scrape and health round reads every backend's view: the last one is kept until an attempt or
   * a reading arrives, or a slice leaves the window.
   */
  #changes = 0;
  #cached: { readonly slice: number; readonly changes: number; readonly view: AttemptWindowView } | null =
    null;

  success(now: number, latencyMs: number, ttftMs: number | null): void {
    // A negative duration is a wall-clock step, not a measurement.
    if (!(latencyMs >= 0)) return;
    this.#changes++;
    const slice = this.#slice(now);
    slice.latency ??= new Uint32Array(LATENCY_BIN_COUNT);
    slice.latency[latencyBin(latencyMs)]!++;
    if (ttftMs !== null && ttftMs >= 0) {
      slice.ttft ??= new Uint32Array(LATENCY_BIN_COUNT);
      slice.ttft[latencyBin(ttftMs)]!++;
    }
  }

  error(now: number, kind: AttemptErrorKind): void {
    this.#changes++;
    const index = ATTEMPT_ERROR_KINDS.indexOf(kind);
    const slice = this.#slice(now);
    slice.errors ??= new Uint32Array(ATTEMPT_ERROR_KINDS.length);
    slice.errors[index]!++;
    this.#errorsTotal[index]!++;
  }

  /** A scraped reading of the engine's generation-token counter (null: the engine does not report it). */
  tokens(now: number, count: number | null): void {
    if (count === null || !Number.isFinite(count)) return;
    this.#changes++;
    const latest = this.#latestTokens(now);
    // A counter that went down is an engine restart: the readings before it say nothing about now.
    if (latest !== null && count < latest.count) {
      for (const slice of this.#slices) {
        slice.tokensFirst = null;
        slice.tokensLast = null;
      }
    }
    const slice = this.#slice(now);
    const reading = { at: now, count };
    slice.tokensFirst ??= reading;
    slice.tokensLast = reading;
  }

  view(now: number): AttemptWindowView {
    const current = Math.floor(now / WINDOW_SLICE_MS);
    const cached = this.#cached;
    if (cached && cached.slice === current && cached.changes === this.#changes) return cached.view;
    const view = this.#compute(current);
    this.#cached = { slice: current, changes: this.#changes, view };
    return view;
  }

  #compute(current: number): AttemptWindowView {
    const ttft = new Array<number>(LATENCY_BIN_COUNT).fill(0);
    const latency = new Array<number>(LATENCY_BIN_COUNT).fill(0);
    const errors = new Array<number>(ATTEMPT_ERROR_KINDS.length).fill(0);
    let oldest: { at: number; count: number } | null = null;
    let newest: { at: number; count: number } | null = null;
    for (const slice of this.#slices) {
      if (!inWindow(slice.id, current)) continue;
      if (slice.ttft) addInto(ttft, slice.ttft);
      if (slice.latency) addInto(latency, slice.latency);
      if (slice.errors) addInto(errors, slice.errors);
      if (slice.tokensFirst && (oldest === null || slice.tokensFirst.at < oldest.at))
        oldest = slice.tokensFirst;
      if (slice.tokensLast && (newest === null || slice.tokensLast.at > newest.at)) newest = slice.tokensLast;
    }
    const span = oldest && newest ? newest.at - oldest.at : 0;
    return {
      ttftBins: toSparse(ttft),
      latencyBins: toSparse(latency),
      errors: countsByKind(errors),
      errorsTotal: countsByKind(this.#errorsTotal),
      outputTokensPerSecond:
        oldest && newest && span > 0
          ? Math.round(((newest.count - oldest.count) / span) * 10_000) / 10
          : null,
    };
  }

  #latestTokens(now: number): { at: number; count: number } | null {
    const current = Math.floor(now / WINDOW_SLICE_MS);
    let latest: { at: number; count: number } | null = null;
    for (const slice of this.#slices) {
      if (
        inWindow(slice.id, current) &&
        slice.tokensLast &&
        (latest === null || slice.tokensLast.at > latest.at)
      )
        latest = slice.tokensLast;
    }
    return latest;
  }

  #slice(now: number): Slice {
    const id = Math.floor(now / WINDOW_SLICE_MS);
    const index = ((id % WINDOW_SLICES) + WINDOW_SLICES) % WINDOW_SLICES;
    const slice = this.#slices[index]!;
    if (slice.id !== id) {
      // Reuse the arrays: zeroing them is cheaper than allocating new ones every five seconds.
      slice.id = id;
      slice.ttft?.fill(0);
      slice.latency?.fill(0);
      slice.errors?.fill(0);
      slice.tokensFirst = null;
      slice.tokensLast = null;
    }
    return slice;
  }
}

/** A slot no time maps to yet: never in the window, reset on first use. */
function emptySlice(): Slice {
  return {
    id: Number.NEGATIVE_INFINITY,
    ttft: null,
    latency: null,
    errors: null,
    tokensFirst: null,
    tokensLast: null,
  };
}

/** A slice from the future (the clock stepped back) is left out rather than counted. */
function inWindow(id: number, current: number): boolean {
  return id <= current && current - id < WINDOW_SLICES;
}

function addInto(into: number[], counts: Uint32Array): void {
  for (let i = 0; i < counts.length; i++) into[i] = (into[i] ?? 0) + (counts[i] ?? 0);
}

function countsByKind(counts: readonly number[]): ErrorCounts {
  return Object.fromEntries(ATTEMPT_ERROR_KINDS.map((kind, i) => [kind, counts[i] ?? 0])) as Record<
    AttemptErrorKind,
    number
  >;
}

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

interface TokenReading {
  readonly at: number;
  readonly count: number;
}

interface Slice {
  /** floor(time / WINDOW_SLICE_MS) this slot holds (EMPTY: none); reused when its slice has passed. */
  id: number;
  ttft: Uint32Array | null;
  latency: Uint32Array | null;
  errors: Uint32Array | null;
  /** First and last reading of the engine's generation-token counter in the slice. */
  tokensFirst: TokenReading | null;
  tokensLast: TokenReading | null;
}

const EMPTY = Number.NEGATIVE_INFINITY;

interface Counts {
  readonly ttft: ArrayLike<number>;
  readonly latency: ArrayLike<number>;
  readonly errors: ArrayLike<number>;
}

/**
 * A backend's recent attempts in a fixed ring of time slices, so memory is bounded by the slice count,
 * not by traffic: arrays are allocated only for slices that saw traffic, and a slice is reused once it
 * has left the window. Running sums of the slices in use are kept beside them, so a view costs one pass
 * over the bins rather than one per slice (every scrape and health round reads every backend's view).
 */
export class AttemptWindow {
  readonly #slices: Slice[] = Array.from({ length: WINDOW_SLICES }, () => emptySlice());
  /** Sums over the slices holding data (id !== EMPTY). */
  readonly #sums = {
    ttft: new Uint32Array(LATENCY_BIN_COUNT),
    latency: new Uint32Array(LATENCY_BIN_COUNT),
    errors: new Uint32Array(ATTEMPT_ERROR_KINDS.length),
  };
  readonly #errorsTotal = new Array<number>(ATTEMPT_ERROR_KINDS.length).fill(0);
  /** The last view, kept until an attempt or a reading arrives or the current slice changes. */
  #changes = 0;
  #cached: { readonly slice: number; readonly changes: number; readonly view: AttemptWindowView } | null =
    null;

  success(now: number, latencyMs: number, ttftMs: number | null): void {
    // A negative duration is a wall-clock step, not a measurement.
    if (!(latencyMs >= 0)) return;
    this.#changes++;
    const slice = this.#slice(now);
    const bin = latencyBin(latencyMs);
    slice.latency ??= new Uint32Array(LATENCY_BIN_COUNT);
    slice.latency[bin]!++;
    this.#sums.latency[bin]!++;
    if (ttftMs !== null && ttftMs >= 0) {
      const ttftBin = latencyBin(ttftMs);
      slice.ttft ??= new Uint32Array(LATENCY_BIN_COUNT);
      slice.ttft[ttftBin]!++;
      this.#sums.ttft[ttftBin]!++;
    }
  }

  error(now: number, kind: AttemptErrorKind): void {
    this.#changes++;
    const index = ATTEMPT_ERROR_KINDS.indexOf(kind);
    const slice = this.#slice(now);
    slice.errors ??= new Uint32Array(ATTEMPT_ERROR_KINDS.length);
    slice.errors[index]!++;
    this.#sums.errors[index]!++;
    this.#errorsTotal[index]!++;
  }

  /** A scraped reading of the engine's generation-token counter (null: the engine does not report it). */
  tokens(now: number, count: number | null): void {
    if (count === null || !Number.isFinite(count)) return;
    this.#changes++;
    const current = Math.floor(now / WINDOW_SLICE_MS);
    const latest = this.#tokenReadings(current).newest;
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
    let future = false;
    for (const slice of this.#slices) {
      if (slice.id === EMPTY) continue;
      if (slice.id > current) future = true;
      else if (!inWindow(slice.id, current)) this.#clear(slice);
    }
    // After a clock step back some slices lie ahead of `now`: they stay, but this view leaves them out.
    const counts = future ? this.#sumInWindow(current) : this.#sums;
    const { oldest, newest } = this.#tokenReadings(current);
    const span = oldest && newest ? newest.at - oldest.at : 0;
    return {
      ttftBins: toSparse(counts.ttft),
      latencyBins: toSparse(counts.latency),
      errors: countsByKind(counts.errors),
      errorsTotal: countsByKind(this.#errorsTotal),
      outputTokensPerSecond:
        oldest && newest && span > 0
          ? Math.round(((newest.count - oldest.count) / span) * 10_000) / 10
          : null,
    };
  }

  #sumInWindow(current: number): Counts {
    const ttft = new Array<number>(LATENCY_BIN_COUNT).fill(0);
    const latency = new Array<number>(LATENCY_BIN_COUNT).fill(0);
    const errors = new Array<number>(ATTEMPT_ERROR_KINDS.length).fill(0);
    for (const slice of this.#slices) {
      if (!inWindow(slice.id, current)) continue;
      if (slice.ttft) addInto(ttft, slice.ttft);
      if (slice.latency) addInto(latency, slice.latency);
      if (slice.errors) addInto(errors, slice.errors);
    }
    return { ttft, latency, errors };
  }

  /** The first and the last counter reading in the window. */
  #tokenReadings(current: number): { oldest: TokenReading | null; newest: TokenReading | null } {
    let oldest: TokenReading | null = null;
    let newest: TokenReading | null = null;
    for (const slice of this.#slices) {
      if (!inWindow(slice.id, current)) continue;
      if (slice.tokensFirst && (oldest === null || slice.tokensFirst.at < oldest.at))
        oldest = slice.tokensFirst;
      if (slice.tokensLast && (newest === null || slice.tokensLast.at > newest.at)) newest = slice.tokensLast;
    }
    return { oldest, newest };
  }

  #slice(now: number): Slice {
    const id = Math.floor(now / WINDOW_SLICE_MS);
    const index = ((id % WINDOW_SLICES) + WINDOW_SLICES) % WINDOW_SLICES;
    const slice = this.#slices[index]!;
    if (slice.id !== id) {
      this.#clear(slice);
      slice.id = id;
    }
    return slice;
  }

  /** Take a slice out of the sums and empty it, keeping its arrays for reuse. */
  #clear(slice: Slice): void {
    if (slice.ttft) subtractFrom(this.#sums.ttft, slice.ttft);
    if (slice.latency) subtractFrom(this.#sums.latency, slice.latency);
    if (slice.errors) subtractFrom(this.#sums.errors, slice.errors);
    slice.id = EMPTY;
    slice.tokensFirst = null;
    slice.tokensLast = null;
  }
}

/** A slot no time maps to yet: never in the window, reset on first use. */
function emptySlice(): Slice {
  return {
    id: EMPTY,
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

function subtractFrom(sums: Uint32Array, counts: Uint32Array): void {
  for (let i = 0; i < counts.length; i++) sums[i]! -= counts[i]!;
  counts.fill(0);
}

function countsByKind(counts: ArrayLike<number>): ErrorCounts {
  return Object.fromEntries(ATTEMPT_ERROR_KINDS.map((kind, i) => [kind, counts[i] ?? 0])) as Record<
    AttemptErrorKind,
    number
  >;
}

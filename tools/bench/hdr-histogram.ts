/**
 * Sub-buckets per power of two: 1024 gives every recorded value a bucket at most 1/1024 of its size wide,
 * i.e. three significant decimal digits, the precision HdrHistogram users ask for.
 */
const SUB_BITS = 10;
const SUB_HALF = 1 << SUB_BITS;
const LINEAR_LIMIT = SUB_HALF * 2;
/** Values are clamped here (2^40 µs is 12 days): a wild timestamp must not grow the key space forever. */
const MAX_VALUE = 2 ** 40;

/** Plain-JSON form of a histogram: what worker processes send over IPC. */
export interface HistogramData {
  /** `[bucket index, count]` pairs, only non-empty buckets. */
  readonly buckets: readonly (readonly [number, number])[];
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
}

function indexOf(value: number): number {
  if (value < LINEAR_LIMIT) return value;
  const shift = Math.floor(Math.log2(value)) - SUB_BITS;
  // log2 of a float can round up just below a power of two; the sub-bucket must stay in [SUB_HALF, 2*SUB_HALF).
  const exact = Math.floor(value / 2 ** shift) < SUB_HALF ? shift - 1 : shift;
  return exact * SUB_HALF + Math.floor(value / 2 ** exact);
}

/** Largest integer that falls in bucket `index` (HdrHistogram's "highest equivalent value"). */
function highestOf(index: number): number {
  if (index < LINEAR_LIMIT) return index;
  const shift = Math.floor(index / SUB_HALF) - 1;
  const sub = index - shift * SUB_HALF;
  return (sub + 1) * 2 ** shift - 1;
}

/**
 * A log-linear (HDR-style) histogram of non-negative integers, e.g. microseconds: constant relative
 * precision over any range, and exact merging (bucket counts add), so percentiles over several worker
 * processes are those of all their samples together, not an average of per-worker percentiles. Min,
 * max, count and sum are exact.
 */
export class HdrHistogram {
  readonly #counts = new Map<number, number>();
  #sorted: number[] | null = null;
  #count = 0;
  #sum = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = 0;

  static from(data: HistogramData): HdrHistogram {
    const histogram = new HdrHistogram();
    histogram.merge(data);
    return histogram;
  }

  get count(): number {
    return this.#count;
  }

  /** Records `value` (rounded, clamped to 0..2^40) `times` times. */
  record(value: number, times = 1): void {
    const v = Math.min(MAX_VALUE, Math.max(0, Math.round(value)));
    const index = indexOf(v);
    const before = this.#counts.get(index);
    if (before === undefined) this.#sorted = null;
    this.#counts.set(index, (before ?? 0) + times);
    this.#count += times;
    this.#sum += v * times;
    if (v < this.#min) this.#min = v;
    if (v > this.#max) this.#max = v;
  }

  /** Adds another histogram's samples (its `toJSON()` form or the histogram itself). */
  merge(other: HistogramData | HdrHistogram): void {
    const data = other instanceof HdrHistogram ? other.toJSON() : other;
    if (data.count === 0) return;
    for (const [index, count] of data.buckets) {
      const before = this.#counts.get(index);
      if (before === undefined) this.#sorted = null;
      this.#counts.set(index, (before ?? 0) + count);
    }
    this.#count += data.count;
    this.#sum += data.sum;
    this.#min = Math.min(this.#min, data.min);
    this.#max = Math.max(this.#max, data.max);
  }

  /**
   * Nearest-rank percentile (`p` in 0..100): the highest value equivalent to the sample at that rank,
   * capped at the exact maximum. NaN when empty.
   */
  percentile(p: number): number {
    if (this.#count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * this.#count));
    let seen = 0;
    for (const index of this.#keys()) {
      seen += this.#counts.get(index)!;
      if (seen >= rank) return Math.max(this.#min, Math.min(this.#max, highestOf(index)));
    }
    return this.#max;
  }

  min(): number {
    return this.#count === 0 ? Number.NaN : this.#min;
  }

  max(): number {
    return this.#count === 0 ? Number.NaN : this.#max;
  }

  mean(): number {
    return this.#count === 0 ? Number.NaN : this.#sum / this.#count;
  }

  toJSON(): HistogramData {
    return {
      buckets: this.#keys().map((index) => [index, this.#counts.get(index)!] as const),
      count: this.#count,
      sum: this.#sum,
      min: this.#count === 0 ? 0 : this.#min,
      max: this.#max,
    };
  }

  #keys(): number[] {
    this.#sorted ??= [...this.#counts.keys()].sort((a, b) => a - b);
    return this.#sorted;
  }
}

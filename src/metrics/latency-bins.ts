/**
 * Log-spaced duration bins for the dashboard's windowed percentiles: bin 0 holds ≤ 1 ms, bin i holds
 * (2^((i-1)/4), 2^(i/4)] ms, so each bin is 19 % wide and an interpolated percentile is off by less than
 * that at any scale, from a cached 2 ms embedding to an hour-long generation (the last bin also takes
 * anything longer). 89 bins: a full one-second slice of one backend is under 400 bytes.
 */
export const LATENCY_BIN_COUNT = 89;
const STEPS_PER_DOUBLING = 4;

/** The bin a duration in milliseconds falls into. */
export function latencyBin(ms: number): number {
  if (!(ms > 1)) return 0;
  return Math.min(LATENCY_BIN_COUNT - 1, Math.ceil(STEPS_PER_DOUBLING * Math.log2(ms)));
}

/** Upper bound of bin `i` in milliseconds. */
export function binUpperMs(i: number): number {
  return 2 ** (i / STEPS_PER_DOUBLING);
}

/**
 * A histogram as sparse pairs `[bin, count, bin, count, ...]` (bins ascending): what crosses a Durable
 * Object call and what per-model views add up, a few dozen numbers per backend instead of 89.
 */
export type SparseBins = readonly number[];

/** Dense counts to sparse pairs. */
export function toSparse(counts: ArrayLike<number>): number[] {
  const pairs: number[] = [];
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i] ?? 0;
    if (count > 0) pairs.push(i, count);
  }
  return pairs;
}

/** The sum of several sparse histograms. */
export function addSparse(histograms: readonly SparseBins[]): number[] {
  if (histograms.length === 1) return [...(histograms[0] ?? [])];
  const dense = new Array<number>(LATENCY_BIN_COUNT).fill(0);
  for (const pairs of histograms) {
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const bin = pairs[i] ?? 0;
      if (bin >= 0 && bin < LATENCY_BIN_COUNT) dense[bin] = (dense[bin] ?? 0) + (pairs[i + 1] ?? 0);
    }
  }
  return toSparse(dense);
}

/** Observations in a sparse histogram. */
export function sparseCount(pairs: SparseBins): number {
  let total = 0;
  for (let i = 1; i < pairs.length; i += 2) total += pairs[i] ?? 0;
  return total;
}

/**
 * The q-quantile (0..1) in milliseconds, interpolated linearly inside its bin (the Prometheus
 * histogram_quantile rule), rounded to 0.1 ms; null for an empty histogram.
 */
export function quantileMs(pairs: SparseBins, q: number): number | null {
  const total = sparseCount(pairs);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const bin = pairs[i] ?? 0;
    const count = pairs[i + 1] ?? 0;
    if (seen + count >= rank) {
      const lower = bin === 0 ? 0 : binUpperMs(bin - 1);
      const upper = binUpperMs(bin);
      const value = lower + ((upper - lower) * (rank - seen)) / count;
      return Math.round(value * 10) / 10;
    }
    seen += count;
  }
  const last = pairs[pairs.length - 2] ?? 0;
  return Math.round(binUpperMs(last) * 10) / 10;
}

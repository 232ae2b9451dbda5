import { describe, expect, it } from 'vitest';
import {
  addSparse,
  binUpperMs,
  LATENCY_BIN_COUNT,
  latencyBin,
  quantileMs,
  sparseCount,
  toSparse,
} from '../../src/metrics/latency-bins.ts';

function histogramOf(values: readonly number[]): number[] {
  const dense = new Array<number>(LATENCY_BIN_COUNT).fill(0);
  for (const value of values) dense[latencyBin(value)]!++;
  return toSparse(dense);
}

describe('latency bins', () => {
  it('every duration lands in the bin whose bounds hold it; the last bin takes the rest', () => {
    for (const ms of [0, 0.5, 1, 1.01, 2, 3, 10, 99.9, 250, 1000, 12_345, 3_600_000]) {
      const bin = latencyBin(ms);
      expect(ms).toBeLessThanOrEqual(binUpperMs(bin));
      if (bin > 0) expect(ms).toBeGreaterThan(binUpperMs(bin - 1));
    }
    expect(latencyBin(-5)).toBe(0);
    expect(latencyBin(Number.NaN)).toBe(0);
    expect(latencyBin(1e12)).toBe(LATENCY_BIN_COUNT - 1);
  });

  it('percentiles are within a bin width (19 %) of the exact ones, at every scale', () => {
    for (const scale of [3, 80, 2500, 300_000]) {
      // A spread of values: 1..1000 times the scale / 100.
      const values = Array.from({ length: 1000 }, (_, i) => (scale * (i + 1)) / 100);
      const pairs = histogramOf(values);
      expect(sparseCount(pairs)).toBe(1000);
      for (const q of [0.5, 0.99]) {
        const exact = values[Math.ceil(q * values.length) - 1]!;
        const estimate = quantileMs(pairs, q)!;
        expect(Math.abs(estimate - exact) / exact, `scale ${scale} q ${q}`).toBeLessThan(0.19);
      }
    }
  });

  it('empty is null; one sample reads inside its bin', () => {
    expect(quantileMs([], 0.5)).toBeNull();
    const one = histogramOf([100]);
    const p50 = quantileMs(one, 0.5)!;
    expect(p50).toBeGreaterThan(binUpperMs(latencyBin(100) - 1));
    expect(p50).toBeLessThanOrEqual(binUpperMs(latencyBin(100)));
  });

  it('adding sparse histograms is adding their counts', () => {
    const a = histogramOf([5, 5, 40]);
    const b = histogramOf([40, 900]);
    const sum = addSparse([a, b]);
    expect(sum).toEqual(histogramOf([5, 5, 40, 40, 900]));
    expect(addSparse([])).toEqual([]);
    expect(addSparse([a])).toEqual(a);
  });
});

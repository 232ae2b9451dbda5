import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../src/index.ts';
import { HdrHistogram } from '../../tools/bench/index.ts';

/** Nearest-rank percentile of the raw samples, the definition the histogram approximates. */
function exact(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

describe('HdrHistogram', () => {
  it('keeps every percentile within 0.1 % of the exact one over six decades, with exact min/max/mean', () => {
    const random = createSeededRandom(7);
    const values = Array.from({ length: 20_000 }, () => Math.round(10 ** (random() * 6)));
    const histogram = new HdrHistogram();
    for (const value of values) histogram.record(value);
    const sorted = [...values].sort((a, b) => a - b);
    for (const p of [1, 10, 50, 90, 99, 99.9]) {
      const want = exact(sorted, p);
      const got = histogram.percentile(p);
      expect(got, `p${p}`).toBeGreaterThanOrEqual(want);
      expect(got - want, `p${p}`).toBeLessThanOrEqual(Math.max(0, want / 1024));
    }
    expect(histogram.min()).toBe(sorted[0]);
    expect(histogram.max()).toBe(sorted.at(-1));
    expect(histogram.mean()).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 6);
    expect(histogram.count).toBe(values.length);
  });

  it('merging per-worker histograms (through their JSON form) equals recording everything in one', () => {
    const random = createSeededRandom(11);
    const all = new HdrHistogram();
    const parts = [new HdrHistogram(), new HdrHistogram(), new HdrHistogram()];
    for (let i = 0; i < 9000; i++) {
      const value = Math.floor(random() * 5_000_000);
      all.record(value);
      parts[i % 3]!.record(value);
    }
    const merged = new HdrHistogram();
    for (const part of parts) merged.merge(JSON.parse(JSON.stringify(part.toJSON())));
    expect(merged.toJSON()).toEqual(all.toJSON());
    for (const p of [50, 90, 99]) expect(merged.percentile(p)).toBe(all.percentile(p));
  });

  it('handles values around the bucket edges and reports NaN when empty', () => {
    const empty = new HdrHistogram();
    expect(empty.percentile(50)).toBeNaN();
    const histogram = new HdrHistogram();
    for (const value of [0, 1, 2047, 2048, 2049, 4095, 4096, 2 ** 31 - 1, 2 ** 31]) histogram.record(value);
    expect(histogram.percentile(0)).toBe(0);
    expect(histogram.percentile(100)).toBe(2 ** 31);
    expect(histogram.percentile(50)).toBeGreaterThanOrEqual(2049);
    expect(histogram.percentile(50)).toBeLessThanOrEqual(2050);
  });
});

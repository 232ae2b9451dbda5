import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../src/index.ts';
import { Arrivals } from '../../tools/bench/arrivals.ts';

function arrivalsUntil(arrivals: Arrivals, endMs: number): number[] {
  const out: number[] = [];
  for (let t = arrivals.next(); t < endMs; t = arrivals.next()) out.push(t);
  return out;
}

describe('open-loop arrivals', () => {
  it('constant: exactly rate per second, evenly spaced, and two offset streams interleave into one', () => {
    const times = arrivalsUntil(new Arrivals('constant', 200, 0, Math.random), 10_000);
    expect(times).toHaveLength(2000);
    expect(times[1]! - times[0]!).toBeCloseTo(5, 9);
    const a = arrivalsUntil(new Arrivals('constant', 100, 0, Math.random, 0), 1000);
    const b = arrivalsUntil(new Arrivals('constant', 100, 0, Math.random, 5), 1000);
    const merged = [...a, ...b].sort((x, y) => x - y);
    for (let i = 1; i < merged.length; i++) expect(merged[i]! - merged[i - 1]!).toBeCloseTo(5, 9);
  });

  it('poisson: the mean rate holds (seeded) and gaps are exponential (coefficient of variation ~1)', () => {
    const times = arrivalsUntil(new Arrivals('poisson', 500, 0, createSeededRandom(3)), 200_000);
    expect(Math.abs(times.length / 200 - 500) / 500).toBeLessThan(0.01);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
    expect(sd / mean).toBeGreaterThan(0.97);
    expect(sd / mean).toBeLessThan(1.03);
  });

  it('a linear ramp sends a quarter of the full rate in the first half of the ramp', () => {
    for (const kind of ['constant', 'poisson'] as const) {
      const times = arrivalsUntil(new Arrivals(kind, 1000, 20_000, createSeededRandom(5)), 30_000);
      const firstHalf = times.filter((t) => t < 10_000).length;
      const ramp = times.filter((t) => t < 20_000).length;
      // Integral of the ramp: 1000/s * 20 s / 2 = 10,000 over the ramp, 2,500 in its first half.
      expect(Math.abs(ramp - 10_000) / 10_000, kind).toBeLessThan(0.03);
      expect(Math.abs(firstHalf - 2500) / 2500, kind).toBeLessThan(0.05);
      expect(Math.abs(times.length - 20_000) / 20_000, kind).toBeLessThan(0.02);
    }
  });
});

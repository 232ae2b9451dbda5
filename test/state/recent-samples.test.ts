import { describe, expect, it } from 'vitest';
import { RecentSamples } from '../../src/state/recent-samples.ts';

const T0 = 1_800_000_000_000;
const MEMORY = 60_000;

function samples(values: readonly number[], at = T0, size = 16): RecentSamples {
  const s = new RecentSamples({ size, memoryMs: MEMORY, minSamples: 4 });
  for (const value of values) s.observe(value, at);
  return s;
}

describe('RecentSamples', () => {
  it('is unknown until minSamples recent samples, then their median', () => {
    expect(samples([800, 900, 1000]).value(T0)).toBeNull();
    expect(samples([800, 900, 1000, 5000]).value(T0)).toBe(950);
    expect(samples([800, 900, 1000, 5000, 20_000]).value(T0)).toBe(1000);
  });

  it('is not moved by a minority of long generations', () => {
    const mix = [1000, 1100, 20_000, 950, 1050, 30_000, 1000, 990, 1010, 25_000];
    expect(samples(mix).value(T0)).toBe(1030);
  });

  it('keeps the last `size` samples: a backend that got slower shows it once most of them are slow', () => {
    const s = samples(new Array(16).fill(1000));
    for (let i = 0; i < 8; i++) s.observe(3000, T0);
    expect(s.value(T0)).toBe(2000);
    s.observe(3000, T0);
    expect(s.value(T0)).toBe(3000);
  });

  it('drops samples older than the memory, negative durations and non-numbers', () => {
    const s = samples([1000, 1000, 1000, 1000]);
    expect(s.value(T0 + MEMORY)).toBe(1000);
    expect(s.value(T0 + MEMORY + 1)).toBeNull();
    expect(samples([1000, 1000, 1000, -5, Number.NaN, Number.POSITIVE_INFINITY]).value(T0)).toBeNull();
  });

  it('recomputes after a new sample and after a step back in time', () => {
    const s = samples([10, 10, 10, 10], T0 + 1000);
    expect(s.value(T0 + 1000)).toBe(10);
    for (let i = 0; i < 5; i++) s.observe(50, T0 + 1000);
    expect(s.value(T0 + 1000)).toBe(50);
    // A clock stepped back before the samples: recomputed, and they still count.
    expect(s.value(T0)).toBe(50);
  });
});

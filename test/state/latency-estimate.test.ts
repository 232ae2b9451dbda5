import { describe, expect, it } from 'vitest';
import { LATENCY_MEMORY_MS, LatencyEstimate, MIN_SAMPLES } from '../../src/state/latency-estimate.ts';

const T0 = 1_800_000_000_000;

function estimate(samples: readonly number[], at = T0): LatencyEstimate {
  const e = new LatencyEstimate();
  for (const ms of samples) e.observe(ms, at);
  return e;
}

describe('LatencyEstimate', () => {
  it('is unknown until MIN_SAMPLES recent samples, then their median', () => {
    expect(MIN_SAMPLES).toBe(4);
    expect(estimate([800, 900, 1000]).value(T0)).toBeNull();
    expect(estimate([800, 900, 1000, 5000]).value(T0)).toBe(950);
    expect(estimate([800, 900, 1000, 5000, 20_000]).value(T0)).toBe(1000);
  });

  it('is not moved by a minority of long generations', () => {
    const mix = [1000, 1100, 20_000, 950, 1050, 30_000, 1000, 990, 1010, 25_000];
    expect(estimate(mix).value(T0)).toBe(1030);
  });

  it('keeps the last 16 samples: a backend that got slower shows it once most of them are slow', () => {
    const e = estimate(new Array(16).fill(1000));
    for (let i = 0; i < 8; i++) e.observe(3000, T0);
    expect(e.value(T0)).toBe(2000);
    e.observe(3000, T0);
    expect(e.value(T0)).toBe(3000);
  });

  it('drops samples older than LATENCY_MEMORY_MS and negative durations', () => {
    const e = estimate([1000, 1000, 1000, 1000]);
    expect(e.value(T0 + LATENCY_MEMORY_MS)).toBe(1000);
    expect(e.value(T0 + LATENCY_MEMORY_MS + 1)).toBeNull();
    const stepped = estimate([1000, 1000, 1000, -5, -5]);
    expect(stepped.value(T0)).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { LATENCY_MEMORY_MS, LatencyEstimate } from '../../src/state/latency-estimate.ts';

const T0 = 1_800_000_000_000;

describe('LatencyEstimate', () => {
  it('is unknown before the first sample and takes the first sample as it is', () => {
    const estimate = new LatencyEstimate();
    expect(estimate.value(T0)).toBeNull();
    estimate.observe(800, T0);
    expect(estimate.value(T0)).toBe(800);
  });

  it('moves a tenth of the way to each new sample', () => {
    const estimate = new LatencyEstimate();
    estimate.observe(1000, T0);
    estimate.observe(2000, T0 + 1);
    expect(estimate.value(T0 + 1)).toBeCloseTo(1100, 9);
    estimate.observe(0, T0 + 2);
    expect(estimate.value(T0 + 2)).toBeCloseTo(990, 9);
  });

  it('forgets an estimate with no sample for LATENCY_MEMORY_MS, and starts again from the next one', () => {
    const estimate = new LatencyEstimate();
    estimate.observe(9000, T0);
    expect(estimate.value(T0 + LATENCY_MEMORY_MS)).toBe(9000);
    expect(estimate.value(T0 + LATENCY_MEMORY_MS + 1)).toBeNull();
    estimate.observe(500, T0 + LATENCY_MEMORY_MS + 1);
    expect(estimate.value(T0 + LATENCY_MEMORY_MS + 1)).toBe(500);
  });
});

import { describe, expect, it } from 'vitest';
import type { EngineLoad } from '../../src/metrics/engine-load.ts';
import { EngineDecodeRate } from '../../src/state/engine-decode-rate.ts';

const T0 = 1_800_000_000_000;
const load = (running: number, generationTokens: number | null): EngineLoad => ({
  engine: 'vllm',
  running,
  waiting: 0,
  kvCacheUsage: 0.2,
  promptTokens: 0,
  generationTokens,
  maxRunning: null,
  prefixCacheQueries: null,
  prefixCacheHits: null,
  prefixCacheHitRate: null,
});

describe('EngineDecodeRate', () => {
  it('is the generation counter’s increase per second per running sequence between scrapes', () => {
    const rate = new EngineDecodeRate();
    rate.observe(load(8, 1000), T0);
    expect(rate.value(T0)).toBeNull();
    // 8 sequences for a second at 50 tokens/s each.
    rate.observe(load(8, 1400), T0 + 1000);
    expect(rate.value(T0 + 1000)).toBe(50);
    // 8 sequences for 2 s at 16.5 tokens/s each. The median of 50 and 16.5.
    rate.observe(load(8, 1664), T0 + 3000);
    expect(rate.value(T0 + 3000)).toBeCloseTo((50 + 16.5) / 2);
  });

  it('skips idle intervals, a counter that went back (a restart), engines without the counter and bursts of scrapes', () => {
    const rate = new EngineDecodeRate();
    rate.observe(load(0, 100), T0);
    rate.observe(load(1, 120), T0 + 1000);
    // Half a sequence on average: too little to time.
    expect(rate.value(T0 + 1000)).toBeNull();
    rate.observe(load(4, 10), T0 + 2000);
    expect(rate.value(T0 + 2000)).toBeNull();
    rate.observe(load(4, 210), T0 + 3000);
    expect(rate.value(T0 + 3000)).toBe(50);
    rate.observe(load(4, null), T0 + 4000);
    rate.observe(load(4, 5000), T0 + 5000);
    // Two scrapes 5 ms apart: the counter's step is not a rate.
    rate.observe(load(4, 5200), T0 + 5005);
    expect(rate.value(T0 + 5005)).toBe(50);
  });
});

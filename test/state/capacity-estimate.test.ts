import { describe, expect, it } from 'vitest';
import type { EngineLoad } from '../../src/metrics/engine-load.ts';
import { CapacityEstimate } from '../../src/state/capacity-estimate.ts';

/** One scrape's load; token counters rise by default, as a live engine's do. */
let tokens = 0;
function load(running: number, waiting: number, over: Partial<EngineLoad> = {}): EngineLoad {
  tokens += 100;
  return {
    engine: 'vllm',
    running,
    waiting,
    kvCacheUsage: 0.5,
    promptTokens: tokens,
    generationTokens: tokens,
    maxRunning: null,
    prefixCacheQueries: null,
    prefixCacheHits: null,
    prefixCacheHitRate: null,
    ...over,
  };
}

function scrapes(estimate: CapacityEstimate, ...loads: [number, number][]): CapacityEstimate {
  for (const [running, waiting] of loads) estimate.observe(load(running, waiting));
  return estimate;
}

describe('CapacityEstimate', () => {
  it('is unknown with a floor at the most seen running until the engine queues at it twice', () => {
    const e = scrapes(new CapacityEstimate(), [3, 0], [7, 0], [5, 0]);
    expect(e.value()).toBeNull();
    expect(e.floor).toBe(7);
    scrapes(e, [8, 2]);
    expect(e.value()).toBeNull();
    scrapes(e, [6, 0], [8, 5]);
    expect(e.value()).toEqual({ capacity: 8, source: 'learned' });
  });

  it('does not take a queue below the peak for a plateau (vLLM holding back a long prompt)', () => {
    // Waiting with slots free: a step's token budget, not the slot count.
    const e = scrapes(new CapacityEstimate(), [16, 0], [5, 1], [6, 2], [5, 1]);
    expect(e.value()).toBeNull();
    expect(e.floor).toBe(16);
  });

  it('tolerates a KV-limited engine running a few more or fewer each step', () => {
    const e = scrapes(new CapacityEstimate(), [100, 4], [95, 9], [103, 1]);
    expect(e.value()).toEqual({ capacity: 103, source: 'learned' });
  });

  it('learns again when the engine runs more than its plateau', () => {
    const e = scrapes(new CapacityEstimate(), [4, 1], [4, 3]);
    expect(e.value()).toEqual({ capacity: 4, source: 'learned' });
    // More than the plateau: it was not the cap after all. A floor until it queues at the new level.
    scrapes(e, [12, 0]);
    expect(e.value()).toBeNull();
    expect(e.floor).toBe(12);
    scrapes(e, [12, 3], [12, 1]);
    expect(e.value()).toEqual({ capacity: 12, source: 'learned' });
  });

  it("takes the engine's own slot count when it reports one", () => {
    const e = new CapacityEstimate();
    e.observe(load(3, 0, { engine: 'sglang', maxRunning: 48 }));
    expect(e.value()).toEqual({ capacity: 48, source: 'reported' });
  });

  it('relearns from scratch when the engine restarts (its token counters go back)', () => {
    const e = scrapes(new CapacityEstimate(), [8, 1], [8, 2]);
    expect(e.value()).toEqual({ capacity: 8, source: 'learned' });
    e.observe(load(2, 0, { promptTokens: 10, generationTokens: 5 }));
    expect(e.value()).toBeNull();
    expect(e.floor).toBe(2);
    e.observe(load(4, 1, { promptTokens: 200, generationTokens: 300 }));
    e.observe(load(4, 2, { promptTokens: 400, generationTokens: 600 }));
    expect(e.value()).toEqual({ capacity: 4, source: 'learned' });
  });

  it('forgets everything on reset', () => {
    const e = scrapes(new CapacityEstimate(), [8, 1], [8, 2]);
    e.reset();
    expect(e.value()).toBeNull();
    expect(e.floor).toBe(0);
  });
});

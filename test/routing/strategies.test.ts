import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../src/core/random.ts';
import type { CandidateView } from '../../src/routing/candidate-view.ts';
import { leastConnections } from '../../src/routing/least-connections.ts';
import { leastWaiting, leastWaitingCost, leastWaitingScore } from '../../src/routing/least-waiting.ts';
import { simpleShuffle } from '../../src/routing/simple-shuffle.ts';

const view = (id: string, over: Partial<CandidateView> = {}): CandidateView => ({
  id,
  weight: 1,
  inflight: 0,
  engineWaiting: null,
  inflightAtScrape: 0,
  kvCacheUsage: null,
  latencyMs: null,
  ...over,
});

function counts(draw: () => number, n: number, size: number): number[] {
  const out = new Array<number>(size).fill(0);
  for (let i = 0; i < n; i++) out[draw()]!++;
  return out;
}

/** Pearson chi-square statistic against expected proportions. */
function chiSquare(observed: number[], expectedShare: number[]): number {
  const total = observed.reduce((a, b) => a + b, 0);
  return observed.reduce((sum, o, i) => {
    const e = total * (expectedShare[i] ?? 0);
    return sum + (o - e) ** 2 / e;
  }, 0);
}

describe('simple-shuffle', () => {
  it('draws proportionally to weight (chi-square, 3 degrees of freedom, p > 0.001)', () => {
    const candidates = [1, 2, 3, 4].map((w, i) => view(`b${i}`, { weight: w }));
    const random = createSeededRandom(42);
    const observed = counts(() => simpleShuffle(candidates, random), 40_000, 4);
    // Critical value for df=3 at p=0.001 is 16.27.
    expect(chiSquare(observed, [0.1, 0.2, 0.3, 0.4])).toBeLessThan(16.27);
  });

  it('detects a skewed distribution (the test above can fail)', () => {
    const skewed = [4000, 8000, 12000, 16000].map((n, i) => (i === 0 ? n + 800 : n));
    expect(chiSquare(skewed, [0.1, 0.2, 0.3, 0.4])).toBeGreaterThan(16.27);
  });
});

describe('least-connections (power of two choices)', () => {
  it('always picks the less busy of two', () => {
    const random = createSeededRandom(1);
    for (let i = 0; i < 2000; i++) {
      const a = Math.floor(random() * 10);
      const b = a + 1 + Math.floor(random() * 10);
      const candidates =
        random() < 0.5
          ? [view('a', { inflight: a }), view('b', { inflight: b })]
          : [view('b', { inflight: b }), view('a', { inflight: a })];
      expect(candidates[leastConnections(candidates, random)]?.id).toBe('a');
    }
  });

  it('never picks the single busiest of many, and breaks ties randomly', () => {
    const random = createSeededRandom(2);
    const candidates = [3, 1, 7, 2, 5].map((n, i) => view(`b${i}`, { inflight: n }));
    const observed = counts(() => leastConnections(candidates, random), 5000, 5);
    expect(observed[2]).toBe(0);
    const tied = [view('x', { inflight: 2 }), view('y', { inflight: 2 })];
    const ties = counts(() => leastConnections(tied, random), 4000, 2);
    expect(Math.abs((ties[0] ?? 0) - 2000)).toBeLessThan(200);
  });

  it('respects weights: load is compared per unit of weight', () => {
    const random = createSeededRandom(3);
    // 4 in flight on weight 4 is lighter than 2 in flight on weight 1.
    const candidates = [view('big', { weight: 4, inflight: 4 }), view('small', { weight: 1, inflight: 2 })];
    expect(counts(() => leastConnections(candidates, random), 500, 2)).toEqual([500, 0]);
  });
});

describe('least-waiting', () => {
  it('scores fresh metrics as in-flight + engine queue + growth since the scrape', () => {
    expect(leastWaitingScore(view('a', { inflight: 3, engineWaiting: 5, inflightAtScrape: 1 }))).toBe(
      3 + 5 + 2,
    );
    expect(leastWaitingScore(view('a', { inflight: 3 }))).toBe(3);
    expect(leastWaitingScore(view('a', { inflight: 0, engineWaiting: 0, kvCacheUsage: 0.5 }))).toBeCloseTo(
      0.005,
    );
  });

  it('avoids the backend with a long engine queue', () => {
    const random = createSeededRandom(4);
    const candidates = [view('queued', { engineWaiting: 40 }), view('idle', { engineWaiting: 0 })];
    expect(counts(() => leastWaiting(candidates, random), 500, 2)).toEqual([0, 500]);
  });

  it('gives backends without metrics a fair share against idle metered ones', () => {
    const random = createSeededRandom(5);
    const candidates = [view('metered', { engineWaiting: 0 }), view('hosted')];
    const observed = counts(() => leastWaiting(candidates, random), 4000, 2);
    expect(Math.min(...observed)).toBeGreaterThan(1500);
  });

  it("weighs the load by each backend's recent attempt duration", () => {
    expect(leastWaitingCost(view('a', { inflight: 2, latencyMs: 300 }), 1)).toBe(900);
    // Unknown: the mean the strategy passes in; zero: floored at 1 ms so the load still counts.
    expect(leastWaitingCost(view('a', { inflight: 2 }), 500)).toBe(1500);
    expect(leastWaitingCost(view('a', { inflight: 2, latencyMs: 0 }), 500)).toBe(3);
  });

  it('sends a backend three times slower work in proportion to its speed, not equal queues', () => {
    const random = createSeededRandom(6);
    const pick = (fastLoad: number, slowLoad: number) => {
      const fast = view('fast', { inflight: fastLoad, engineWaiting: 0, latencyMs: 800 });
      const slow = view('slow', { inflight: slowLoad, engineWaiting: 0, latencyMs: 2400 });
      return [fast, slow][leastWaiting([fast, slow], random)]?.id;
    };
    // Equal load: the faster one, every time (by count alone this would be a coin toss).
    for (let i = 0; i < 200; i++) expect(pick(4, 4)).toBe('fast');
    // (3 + 1)·800 > (0 + 1)·2400: an idle slow backend beats a fast one with three open requests...
    expect(pick(3, 0)).toBe('slow');
    // ...but not one with two: (2 + 1)·800 = 2400 ties, and (1 + 1)·800 < 2400 wins outright.
    for (let i = 0; i < 200; i++) expect(pick(1, 0)).toBe('fast');
  });

  it('takes a backend without an estimate at the mean of the others, so a new one gets traffic', () => {
    const random = createSeededRandom(7);
    const candidates = [
      view('new', { inflight: 1 }),
      view('quick', { inflight: 1, latencyMs: 200 }),
      view('slow', { inflight: 1, latencyMs: 1800 }),
    ];
    // new: (1 + 1)·1000; it beats slow (3600) every time and loses to quick (400) every time.
    const observed = counts(() => leastWaiting(candidates, random), 3000, 3);
    expect(observed[0]).toBeGreaterThan(700);
    expect(observed[1]).toBeGreaterThan(observed[0]!);
    expect(observed[2]).toBe(0);
  });
});

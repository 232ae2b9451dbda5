import { describe, expect, it } from 'vitest';
import type { Random } from '../../src/core/random.ts';
import { createSeededRandom } from '../../src/core/random.ts';
import { type BackendProfile, resolveProfiles } from '../../src/routing/backend-profile.ts';
import type { CandidateView } from '../../src/routing/candidate-view.ts';
import { leastConnections as leastConnectionsStrategy } from '../../src/routing/least-connections.ts';
import {
  expectedFirstTokenMs,
  FULL_SCAN_MAX,
  leastWaiting as leastWaitingStrategy,
} from '../../src/routing/least-waiting.ts';
import { simpleShuffle as simpleShuffleStrategy } from '../../src/routing/simple-shuffle.ts';
import type { Strategy } from '../../src/routing/strategy.ts';

const view = (id: string, over: Partial<CandidateView> = {}): CandidateView => ({
  id,
  weight: 1,
  inflight: 0,
  others: 0,
  engineMetrics: false,
  capacity: null,
  capacitySource: null,
  capacityFloor: 0,
  queuedAtFloor: false,
  firstTokenMs: null,
  decodeMs: null,
  engineTokenRate: null,
  ...over,
});

/** The strategy as the state calls it: with the candidates' profiles resolved. */
const withProfiles =
  (strategy: Strategy) =>
  (candidates: readonly CandidateView[], random: Random): number =>
    strategy(candidates, random, resolveProfiles(candidates));
const simpleShuffle = withProfiles(simpleShuffleStrategy);
const leastConnections = withProfiles(leastConnectionsStrategy);
const leastWaiting = withProfiles(leastWaitingStrategy);

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
  const profile = (over: Partial<BackendProfile> = {}): BackendProfile => ({
    capacity: 8,
    capacitySource: 'learned',
    firstTokenMs: 60,
    serviceMs: 800,
    speedSource: 'learned',
    relativeSpeed: 1,
    ...over,
  });
  /** A learned engine: `slots` slots, the given first-token and request times. */
  const engine = (id: string, inflight: number, firstTokenMs: number, serviceMs: number, slots = 8) =>
    view(id, {
      inflight,
      capacity: slots,
      capacitySource: 'learned',
      firstTokenMs,
      decodeMs: serviceMs - firstTokenMs,
      engineMetrics: true,
    });

  it('expects the prefill on a free slot, more of it the busier the engine, plus the wait for a slot', () => {
    expect(expectedFirstTokenMs(0, profile())).toBe(60);
    expect(expectedFirstTokenMs(4, profile())).toBe(60 * 1.5);
    // Full: 2 × the prefill, and one slot to wait for (800 ms / 8 slots).
    expect(expectedFirstTokenMs(8, profile())).toBe(120 + 100);
    expect(expectedFirstTokenMs(11, profile())).toBe(120 + 4 * 100);
  });

  it('fills the faster engine while it has a free slot, then the slower idle one, then queues', () => {
    const random = createSeededRandom(4);
    const pick = (fast: number, slow: number) => {
      const candidates = [engine('fast', fast, 60, 800), engine('slow', slow, 180, 2400)];
      return candidates[leastWaiting(candidates, random)]?.id;
    };
    for (let n = 0; n < 8; n++) expect(pick(n, 0)).toBe('fast');
    // Full: 120 + 100 ms for the next slot beats 180 ms of slow prefill? No: 220 > 180.
    expect(pick(8, 0)).toBe('slow');
    // A queue at the fast one against a busy slow one (180·1.5 = 270 ms): 120 + 100.
    expect(pick(8, 4)).toBe('fast');
  });

  it("counts the engine's requests from other clients (others) as queued ahead", () => {
    const random = createSeededRandom(5);
    const candidates = [
      view('shared', { others: 40, capacity: 8, capacitySource: 'learned' }),
      view('quiet', { capacity: 8, capacitySource: 'learned' }),
    ];
    expect(counts(() => leastWaiting(candidates, random), 500, 2)).toEqual([0, 500]);
  });

  it('gives a backend without metrics or measurements an even share against an idle measured one', () => {
    const random = createSeededRandom(6);
    const candidates = [engine('metered', 0, 60, 800), view('hosted')];
    const observed = counts(() => leastWaiting(candidates, random), 4000, 2);
    expect(Math.min(...observed)).toBeGreaterThan(1800);
  });

  it('scores every candidate up to FULL_SCAN_MAX, and uses two random choices beyond', () => {
    const random = createSeededRandom(7);
    const fleet = (size: number) =>
      Array.from({ length: size }, (_, i) => engine(`b${i}`, i === size - 1 ? 0 : 12, 60, 800));
    const scanned = fleet(FULL_SCAN_MAX);
    expect(counts(() => leastWaiting(scanned, random), 300, FULL_SCAN_MAX)[FULL_SCAN_MAX - 1]).toBe(300);
    // Beyond: the idle one wins only when it is one of the two drawn (2 in 17).
    const sampled = fleet(FULL_SCAN_MAX + 1);
    const idle = counts(() => leastWaiting(sampled, random), 1700, FULL_SCAN_MAX + 1)[FULL_SCAN_MAX]!;
    expect(idle).toBeGreaterThan(120);
    expect(idle).toBeLessThan(280);
  });

  it('compares cost per unit of weight', () => {
    const random = createSeededRandom(8);
    // Full (220 ms) on weight 2 is cheaper than 4 busy slots (90 ms) on weight 0.25... per weight: 110 vs 360.
    const candidates = [
      view('big', { ...engine('big', 8, 60, 800), weight: 2 }),
      view('small', { ...engine('small', 4, 60, 800), weight: 0.25 }),
    ];
    expect(counts(() => leastWaiting(candidates, random), 200, 2)).toEqual([200, 0]);
  });

  it('sends a backend without a speed estimate work at the typical speed, so a new one is measured', () => {
    const random = createSeededRandom(9);
    const fresh = view('new', { inflight: 1, capacity: 8, capacitySource: 'learned' });
    const slow = engine('slow', 1, 180, 2400);
    // Typical (the median of the known): 60 ms / 800 ms. new ties with the two typical ones, beats slow...
    const shares = counts(
      () => leastWaiting([fresh, engine('a', 1, 60, 800), engine('b', 1, 60, 800), slow], random),
      3000,
      4,
    );
    expect(shares[0]).toBeGreaterThan(850);
    expect(shares[3]).toBe(0);
    // ...and loses to a quicker one.
    const quick = engine('quick', 1, 50, 600);
    expect(counts(() => leastWaiting([fresh, quick, engine('a', 1, 60, 800), slow], random), 500, 4)).toEqual(
      [0, 500, 0, 0],
    );
  });
});

import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../src/core/random.ts';
import type { CandidateSpec } from '../../src/pool/pool-snapshot.ts';
import { MemoryRouterState } from '../../src/state/memory-router-state.ts';
import type { AcquireRequest, AttemptReport } from '../../src/state/router-state.ts';
import { engineLoadOf } from '../support/engine-load.ts';
import { policyOf } from '../support/state-policy.ts';

const T0 = 1_800_000_000_000;
const spec = (id: string, over: Partial<CandidateSpec> = {}): CandidateSpec => ({
  id,
  weight: 1,
  rpmLimit: null,
  maxConcurrency: null,
  maxNumSeqs: null,
  ...over,
});

const engineLoad = engineLoadOf;

function setup(candidates: CandidateSpec[]) {
  const state = new MemoryRouterState(createSeededRandom(9));
  state.register(
    'm',
    candidates.map((c) => ({ id: c.id, healthy: true })),
  );
  const acquire = (now: number, over: Partial<AcquireRequest> = {}) =>
    state.acquire({
      model: 'm',
      candidates,
      tried: [],
      now,
      policy: policyOf({ strategy: 'least-waiting', staleAfterMs: 3000 }),
      ...over,
    });
  const release = (id: string, now: number, over: Partial<AttemptReport> = {}) =>
    state.release({
      model: 'm',
      id,
      now,
      outcome: 'success',
      chargedAt: now,
      latencyMs: 1,
      ttftMs: 1,
      sawFirstByte: true,
      policy: policyOf(),
      ...over,
    });
  /** The ids 40 acquire/release rounds at `now` picked, sorted; `over` shapes each release. */
  const picks = (now: number, over: Partial<AttemptReport> = {}) => {
    const ids = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const r = acquire(now);
      if (r.kind === 'acquired') {
        ids.add(r.id);
        release(r.id, now, over);
      }
    }
    return [...ids].sort();
  };
  return { state, acquire, release, picks };
}

describe('MemoryRouterState: RPM limits', () => {
  it('never exceeds the limit and reports when the window frees', () => {
    const { acquire } = setup([spec('a', { rpmLimit: 3 }), spec('b', { rpmLimit: 2 })]);
    const got = [0, 1000, 2000, 3000, 4000].map((dt) => acquire(T0 + dt));
    expect(got.every((r) => r.kind === 'acquired')).toBe(true);
    const limited = acquire(T0 + 10_000);
    // The earliest charge (t=0) leaves the window at t=60 s: 50 s from now.
    expect(limited).toEqual({ kind: 'rate-limited', retryAfterMs: 50_000 });
    expect(acquire(T0 + 59_999).kind).toBe('rate-limited');
    expect(acquire(T0 + 60_000).kind).toBe('acquired');
  });

  it('refunds the charge of an attempt that never reached the backend', () => {
    const { acquire, release, state } = setup([spec('a', { rpmLimit: 1 })]);
    const first = acquire(T0);
    expect(first.kind).toBe('acquired');
    release('a', T0 + 5, { outcome: 'not-sent', chargedAt: T0, sawFirstByte: false });
    expect(acquire(T0 + 10).kind).toBe('acquired');
    expect(state.view(T0 + 10).backends[0]?.sendRpm).toBe(1);
  });

  it('counts send RPM for unlimited backends too', () => {
    const { acquire, state } = setup([spec('a')]);
    for (let i = 0; i < 7; i++) acquire(T0 + i);
    expect(state.view(T0 + 10).backends[0]?.sendRpm).toBe(7);
    expect(state.view(T0 + 60_007).backends[0]?.sendRpm).toBe(0);
  });

  it('reports saturation, not a 60 s rate limit, when one candidate is full and the other limited', () => {
    const { acquire } = setup([spec('full', { maxConcurrency: 1 }), spec('limited', { rpmLimit: 1 })]);
    expect(acquire(T0, { tried: ['full'] })).toMatchObject({ kind: 'acquired', id: 'limited' });
    expect(acquire(T0, { tried: ['limited'] })).toMatchObject({ kind: 'acquired', id: 'full' });
    expect(acquire(T0 + 1)).toEqual({ kind: 'saturated' });
  });

  it('refunds a withdrawn attempt without counting it against the backend', () => {
    const { acquire, release, state } = setup([spec('a', { rpmLimit: 1 })]);
    acquire(T0);
    release('a', T0 + 5, { outcome: 'withdrawn', chargedAt: T0, sawFirstByte: false });
    const view = state.view(T0 + 6).backends[0];
    expect(view).toMatchObject({ sendRpm: 0, failures: 0, inflight: 0, healthy: true });
    expect(acquire(T0 + 6).kind).toBe('acquired');
  });

  it('holds a backend back until an upstream Retry-After', () => {
    const { acquire, release } = setup([spec('a')]);
    acquire(T0);
    release('a', T0, { outcome: 'rate-limited', holdUntil: T0 + 2000 });
    expect(acquire(T0 + 1000)).toEqual({ kind: 'rate-limited', retryAfterMs: 1000 });
    expect(acquire(T0 + 2000).kind).toBe('acquired');
  });

  it('reports saturation at max_concurrency rather than rate limiting', () => {
    const { acquire, release } = setup([spec('a', { maxConcurrency: 1 })]);
    expect(acquire(T0).kind).toBe('acquired');
    expect(acquire(T0).kind).toBe('saturated');
    release('a', T0 + 1);
    expect(acquire(T0 + 2).kind).toBe('acquired');
  });
});

describe('MemoryRouterState: routing inputs', () => {
  it('puts untried backends first', () => {
    const { acquire } = setup([spec('a'), spec('b'), spec('c')]);
    for (let i = 0; i < 50; i++) {
      const result = acquire(T0, { tried: ['a', 'b'], policy: policyOf({ strategy: 'simple-shuffle' }) });
      expect(result).toMatchObject({ kind: 'acquired', id: 'c' });
    }
  });

  it('ignores stale engine metrics for least-waiting and falls back to in-flight counts', () => {
    const { state, picks } = setup([spec('a'), spec('b')]);
    state.applyLoad('m', 'a', engineLoad({ running: 8, waiting: 50, kvCacheUsage: 0.9 }), T0);
    expect(picks(T0 + 1000)).toEqual(['b']);
    expect(picks(T0 + 3001)).toEqual(['a', 'b']);
  });

  it("learns each backend's speed from its successes and prefers the faster one under least-waiting", () => {
    const { state, acquire, release, picks } = setup([spec('fast'), spec('slow')]);
    // One request to each per round (the other one marked tried): 100 ms to the first byte and 500 ms in
    // all on fast, three times that on slow.
    for (let i = 0; i < 4; i++) {
      acquire(T0, { tried: ['slow'] });
      acquire(T0, { tried: ['fast'] });
      release('fast', T0 + 500, { chargedAt: T0, ttftMs: 100, latencyMs: 500 });
      release('slow', T0 + 1500, { chargedAt: T0, ttftMs: 300, latencyMs: 1500 });
      // Failures and 4xx say nothing about speed (counted, they would make "fast" the slow one).
      acquire(T0, { tried: ['slow'] });
      release('fast', T0 + 5, { chargedAt: T0, outcome: 'failure', latencyMs: 90_000 });
      acquire(T0, { tried: ['slow'] });
      release('fast', T0 + 5, { chargedAt: T0, outcome: 'client-error', latencyMs: 90_000 });
    }
    const byId = Object.fromEntries(state.view(T0 + 2000).backends.map((b) => [b.id, b]));
    expect(byId.fast).toMatchObject({ firstTokenMs: 100, decodeMs: 400 });
    expect(byId.slow).toMatchObject({ firstTokenMs: 300, decodeMs: 1200 });
    // Aborted attempts are no samples either, so the estimates stay as they are during the rounds.
    expect(picks(T0 + 2000, { outcome: 'client-gone' })).toEqual(['fast']);
    // Past the estimates' memory both are unknown again and share the traffic.
    expect(picks(T0 + 1500 + 60_001, { outcome: 'client-gone' })).toEqual(['fast', 'slow']);
  });

  it('answers none-healthy when every backend is down', () => {
    const { acquire, state } = setup([spec('a')]);
    state.applyProbe({
      model: 'm',
      id: 'a',
      ok: false,
      reason: 'x',
      now: T0,
      policy: policyOf({ probeFailureThreshold: 1, recoveryThreshold: 1 }),
    });
    expect(acquire(T0)).toEqual({ kind: 'none-healthy' });
  });
});

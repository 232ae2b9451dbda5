import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../src/core/random.ts';
import type { CandidateSpec } from '../../src/pool/pool-snapshot.ts';
import type { Affinity } from '../../src/routing/affinity.ts';
import { resolveProfiles } from '../../src/routing/backend-profile.ts';
import { cacheNeutralProfiles } from '../../src/routing/cache-aware.ts';
import { MemoryRouterState } from '../../src/state/memory-router-state.ts';
import type { AttemptReport, StatePolicy } from '../../src/state/router-state.ts';
import { engineLoadOf } from '../support/engine-load.ts';
import { policyOf } from '../support/state-policy.ts';

const T0 = 1_800_000_000_000;
const IDS = ['m@a', 'm@b', 'm@c', 'm@d'];
/** Four slots each, speed unknown: expected TTFT 1 ms idle, 1.25 ms per request held, 2.25 ms when full. */
const specOf = (id: string): CandidateSpec => ({
  id,
  weight: 1,
  rpmLimit: null,
  maxConcurrency: null,
  maxNumSeqs: 4,
});
const prefix = (group: number, length = 12): Affinity => ({
  session: null,
  blocks: Array.from({ length }, (_, k) => group * 1000 + k),
});
const session = (key: number): Affinity => ({ session: key, blocks: [] });

const load = engineLoadOf;

function setup(options: { ids?: string[]; policy?: Partial<StatePolicy>; seed?: number } = {}) {
  const ids = options.ids ?? IDS;
  let candidates = ids.map(specOf);
  const policy = policyOf({
    strategy: 'cache-aware',
    cacheAware: { loadMargin: 1, maxBlocks: 1000 },
    ...options.policy,
  });
  const state = new MemoryRouterState(createSeededRandom(options.seed ?? 4));
  state.register(
    'm',
    ids.map((id) => ({ id, healthy: true })),
  );
  const acquire = (affinity?: Affinity, now = T0): string => {
    const got = state.acquire({
      model: 'm',
      candidates,
      tried: [],
      now,
      policy,
      ...(affinity ? { affinity } : {}),
    });
    if (got.kind !== 'acquired') throw new Error(got.kind);
    return got.id;
  };
  const release = (id: string, over: Partial<AttemptReport> = {}) =>
    state.release({
      model: 'm',
      id,
      now: T0,
      outcome: 'success',
      chargedAt: T0,
      latencyMs: 1,
      ttftMs: 1,
      sawFirstByte: true,
      policy,
      ...over,
    });
  const entries = () => state.view(T0).prefixIndexes?.find((index) => index.model === 'm')?.entries ?? 0;
  const setCandidates = (next: string[]) => {
    candidates = next.map(specOf);
  };
  return { state, acquire, release, entries, setCandidates, policy };
}

describe('cache-aware in the state', () => {
  it('sends a repeated prefix back where it was served, and a new one by load', () => {
    const { acquire, release } = setup();
    const home = acquire(prefix(1));
    release(home);
    for (let i = 0; i < 20; i++) {
      const id = acquire(prefix(1));
      expect(id).toBe(home);
      release(id);
    }
    // A new prefix, with `home` busy: least-waiting sends it elsewhere.
    acquire(prefix(1));
    expect(acquire(prefix(2))).not.toBe(home);
  });

  it('follows the longest cached prefix: the next turn of a conversation goes where its history is', () => {
    const { acquire, release } = setup();
    const turn1 = acquire(prefix(5, 6));
    for (let i = 0; i < 3; i++) expect(acquire(prefix(5, 6))).toBe(turn1);
    // turn1's backend is full: a request sharing the first 3 blocks spills, so another one holds those 3.
    const other = acquire(prefix(5, 3));
    expect(other).not.toBe(turn1);
    for (let i = 0; i < 4; i++) release(turn1);
    release(other);
    // Both idle, both holding a prefix of the next turn: the longer one wins.
    expect(acquire(prefix(5, 10))).toBe(turn1);
  });

  it('bounds affinity by load: past (1 + margin) x the least loaded it spills, and then two hold the prefix', () => {
    const { acquire } = setup();
    const holder = acquire(prefix(1));
    // Expected TTFT 1.25, 1.5, 1.75 ms against an idle 1 ms: within twice the least loaded.
    for (let i = 0; i < 3; i++) expect(acquire(prefix(1))).toBe(holder);
    // Full (2.25 ms > 2 x 1 ms): this one goes by least-waiting to an idle backend.
    const spill = acquire(prefix(1));
    expect(spill).not.toBe(holder);
    // The spill backend holds the prefix too now, and is the less loaded of the two.
    expect(acquire(prefix(1))).toBe(spill);
    // Hot prefix, many requests: never more on one backend than its slots while another is idle.
    const counts = new Map<string, number>();
    for (let i = 0; i < 10; i++) {
      const id = acquire(prefix(1));
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect(Math.max(...counts.values())).toBeLessThanOrEqual(4);
  });

  it('with no margin it still prefers the holder among equally loaded backends', () => {
    const { acquire, release } = setup({ policy: { cacheAware: { loadMargin: 0, maxBlocks: 1000 } } });
    const holder = acquire(prefix(3));
    release(holder);
    expect(acquire(prefix(3))).toBe(holder);
    // Now it holds one more than the others: with no margin, the request goes elsewhere.
    expect(acquire(prefix(3))).not.toBe(holder);
  });

  it('without an affinity (nothing measured yet) it picks as least-waiting does', () => {
    const run = (strategy: 'cache-aware' | 'least-waiting') => {
      const { acquire } = setup({ policy: { strategy }, seed: 21 });
      return Array.from({ length: 30 }, () => acquire());
    };
    expect(run('cache-aware')).toEqual(run('least-waiting'));
  });

  it('forgets a backend when it is removed from config', () => {
    const { state, acquire, release, entries } = setup();
    const home = acquire(prefix(1));
    release(home);
    expect(entries()).toBe(12);
    state.retire('m', [home]);
    expect(entries()).toBe(0);
  });

  it('forgets a backend ejected by traffic failures, and one a probe marks unhealthy', () => {
    const { state, acquire, release, entries, policy } = setup();
    const home = acquire(prefix(1));
    release(home, { outcome: 'failure', errorKind: 'status_5xx', error: 'HTTP 500' });
    expect(entries()).toBe(12);
    for (let i = 0; i < 2; i++) {
      state.acquire({ model: 'm', candidates: [specOf(home)], tried: [], now: T0, policy });
      release(home, { outcome: 'failure', errorKind: 'status_5xx', error: 'HTTP 500' });
    }
    expect(state.view(T0).backends.find((b) => b.id === home)?.ejected).toBe(true);
    expect(entries()).toBe(0);

    const other = acquire(prefix(2));
    release(other);
    expect(entries()).toBe(12);
    for (let i = 0; i < 3; i++) {
      state.applyProbe({ model: 'm', id: other, ok: false, reason: 'HTTP 503', now: T0 + i, policy });
    }
    expect(state.view(T0).backends.find((b) => b.id === other)?.healthy).toBe(false);
    expect(entries()).toBe(0);
  });

  it('forgets a backend whose engine restarted (its counters went back)', () => {
    const { state, acquire, release, entries } = setup();
    const home = acquire(prefix(1));
    release(home);
    state.applyLoad('m', home, load({ promptTokens: 5000, generationTokens: 900 }), T0);
    state.applyLoad('m', home, load({ promptTokens: 6000, generationTokens: 1000 }), T0 + 1000);
    expect(entries()).toBe(12);
    state.applyLoad('m', home, load({ promptTokens: 40, generationTokens: 3 }), T0 + 2000);
    expect(entries()).toBe(0);
  });

  it("keeps a session on its ring backend, spills it past the margin, and moves only the removed backend's sessions", () => {
    const { acquire, release, setCandidates } = setup({ ids: ['m@a', 'm@b', 'm@c', 'm@d', 'm@e'] });
    const keys = Array.from({ length: 200 }, (_, i) => (i * 2_654_435_761) % 2 ** 30);
    const home = new Map<number, string>();
    for (const key of keys) {
      const id = acquire(session(key));
      home.set(key, id);
      release(id);
      expect(acquire(session(key))).toBe(id);
      release(id);
    }
    expect(new Set(home.values()).size).toBe(5);
    // Past the margin the session's request goes to the next backend on the ring that qualifies.
    const key = keys[0]!;
    const first = home.get(key)!;
    for (let i = 0; i < 4; i++) expect(acquire(session(key))).toBe(first);
    const overflow = acquire(session(key));
    expect(overflow).not.toBe(first);
    release(overflow);
    for (let i = 0; i < 4; i++) release(first);

    setCandidates(['m@a', 'm@b', 'm@d', 'm@e']);
    for (const k of keys) {
      const id = acquire(session(k));
      release(id);
      if (home.get(k) !== 'm@c') expect(id).toBe(home.get(k));
      else expect(id).not.toBe('m@c');
    }
  });

  it("shows each engine's prefix-cache hit rate over the last minute", () => {
    const { state } = setup();
    const id = 'm@a';
    state.applyLoad('m', id, load({ prefixCacheQueries: 1000, prefixCacheHits: 100 }), T0);
    expect(state.view(T0).backends.find((b) => b.id === id)?.prefixCacheHitRate).toBeNull();
    state.applyLoad('m', id, load({ prefixCacheQueries: 2000, prefixCacheHits: 900 }), T0 + 1000);
    expect(state.view(T0 + 1000).backends.find((b) => b.id === id)?.prefixCacheHitRate).toBeCloseTo(0.8);
    // SGLang: its own gauge.
    state.applyLoad('m', 'm@b', load({ engine: 'sglang', prefixCacheHitRate: 0.42 }), T0);
    expect(state.view(T0).backends.find((b) => b.id === 'm@b')?.prefixCacheHitRate).toBe(0.42);
    expect(state.view(T0 + 120_000).backends.find((b) => b.id === 'm@b')?.prefixCacheHitRate).toBeNull();
  });
});

describe('cacheNeutralProfiles', () => {
  const input = (
    firstTokenMs: number | null,
    decodeMs: number | null,
    engineTokenRate: number | null = null,
  ) => ({
    capacity: 8,
    capacitySource: 'configured' as const,
    capacityFloor: 8,
    queuedAtFloor: false,
    firstTokenMs,
    decodeMs,
    engineTokenRate,
  });

  it("takes a backend's first-token time from its peers, scaled only by how fast it decodes", () => {
    // a gets cache hits (60 ms), b misses (850 ms): the same engine speed, so the same first-token time.
    const inputs = [input(60, 400), input(850, 400), input(400, 1200)];
    const neutral = cacheNeutralProfiles(inputs, resolveProfiles(inputs));
    expect(neutral[0]!.firstTokenMs).toBe(400);
    expect(neutral[1]!.firstTokenMs).toBe(400);
    // c decodes three times slower: three times the typical first-token time.
    expect(neutral[2]!.firstTokenMs).toBe(1200);
    expect(neutral[2]!.serviceMs).toBe(2400);
    expect(neutral[0]!.relativeSpeed).toBe(1);
    expect(neutral[2]!.relativeSpeed).toBeCloseTo(1 / 3, 5);
    // Capacities are least-waiting's.
    expect(neutral.map((p) => p.capacity)).toEqual([8, 8, 8]);
  });

  it("uses the engine's token rate when nothing was timed there", () => {
    const inputs = [input(100, 400, 50), input(null, null, 25)];
    const neutral = cacheNeutralProfiles(inputs, resolveProfiles(inputs));
    expect(neutral[1]!.firstTokenMs).toBe(200);
    expect(neutral[1]!.serviceMs).toBe(200 + 800);
  });
});

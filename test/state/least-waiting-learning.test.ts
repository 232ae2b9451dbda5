import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../src/core/random.ts';
import type { EngineLoad } from '../../src/metrics/engine-load.ts';
import type { CandidateSpec } from '../../src/pool/pool-snapshot.ts';
import { MemoryRouterState } from '../../src/state/memory-router-state.ts';
import { policyOf } from '../support/state-policy.ts';

const T0 = 1_800_000_000_000;

const spec = (id: string, maxNumSeqs: number | null = null): CandidateSpec => ({
  id,
  weight: 1,
  rpmLimit: null,
  maxConcurrency: null,
  maxNumSeqs,
});

let tokens = 1000;
const load = (running: number, waiting: number, over: Partial<EngineLoad> = {}): EngineLoad => {
  tokens += 100;
  return {
    engine: 'vllm',
    running,
    waiting,
    kvCacheUsage: 0.3,
    promptTokens: tokens,
    generationTokens: tokens,
    maxRunning: null,
    prefixCacheQueries: null,
    prefixCacheHits: null,
    prefixCacheHitRate: null,
    ...over,
  };
};

function setup(ids: readonly string[]) {
  const state = new MemoryRouterState(createSeededRandom(17));
  state.register(
    'm',
    ids.map((id) => ({ id, healthy: true })),
  );
  const pick = (candidates: readonly CandidateSpec[], now: number): string => {
    const result = state.acquire({
      model: 'm',
      candidates,
      tried: [],
      now,
      policy: policyOf({ strategy: 'least-waiting', staleAfterMs: 3000 }),
    });
    if (result.kind !== 'acquired') throw new Error(result.kind);
    return result.id;
  };
  const learned = (id: string, now = T0 + 10_000) =>
    state.view(now).backends.find((b) => b.id === id)?.learnedCapacity ?? null;
  /** The engine queued at 4 running in two scrapes, then went idle. */
  const learnFour = (id: string) => {
    state.applyLoad('m', id, load(4, 3), T0);
    state.applyLoad('m', id, load(4, 1), T0 + 1000);
    state.applyLoad('m', id, load(0, 0), T0 + 2000);
  };
  return { state, pick, learned, learnFour };
}

describe('least-waiting learns each engine’s slots (virtual clock)', () => {
  it('learns a slot count from the plateau and fills engines in proportion to their slots', () => {
    const { state, pick, learned, learnFour } = setup(['small', 'big']);
    learnFour('small');
    state.applyLoad('m', 'big', load(0, 0), T0 + 2000);
    expect(learned('small')).toEqual({ capacity: 4, source: 'learned' });
    const candidates = [spec('small'), spec('big', 8)];
    const picks = Array.from({ length: 12 }, () => pick(candidates, T0 + 2100));
    expect(picks.filter((id) => id === 'small')).toHaveLength(4);
  });

  it('relearns when the engine restarts, turns unhealthy, or its max_num_seqs changes', () => {
    const { state, pick, learned, learnFour } = setup(['a', 'b']);
    learnFour('a');
    // A restart: its token counters start again from zero.
    state.applyLoad('m', 'a', load(1, 0, { promptTokens: 3, generationTokens: 9 }), T0 + 3000);
    expect(learned('a')).toBeNull();

    learnFour('a');
    state.applyProbe({
      model: 'm',
      id: 'a',
      ok: false,
      reason: 'down',
      now: T0 + 3000,
      policy: policyOf({ probeFailureThreshold: 1, recoveryThreshold: 1 }),
    });
    expect(learned('a')).toBeNull();
    state.applyProbe({
      model: 'm',
      id: 'a',
      ok: true,
      reason: 'ok',
      now: T0 + 3100,
      policy: policyOf({ probeFailureThreshold: 1, recoveryThreshold: 1 }),
    });

    learnFour('a');
    pick([spec('a'), spec('b')], T0 + 4000);
    expect(learned('a')).toEqual({ capacity: 4, source: 'learned' });
    // The backend file now says max_num_seqs: 16 (a redeploy): what was learned is dropped.
    pick([spec('a', 16), spec('b')], T0 + 4001);
    expect(learned('a')).toBeNull();
  });

  it("takes an unknown engine at its peers' typical slot count, so it gets a fair share", () => {
    const { state, pick } = setup(['a', 'b', 'hosted']);
    for (const id of ['a', 'b']) {
      state.applyLoad('m', id, load(8, 2), T0);
      state.applyLoad('m', id, load(8, 2), T0 + 500);
      state.applyLoad('m', id, load(0, 0), T0 + 1000);
    }
    const candidates = [spec('a'), spec('b'), spec('hosted')];
    const picks = Array.from({ length: 24 }, () => pick(candidates, T0 + 1100));
    expect(['a', 'b', 'hosted'].map((id) => picks.filter((p) => p === id).length)).toEqual([8, 8, 8]);
  });

  it("steers around another client's load on an engine as soon as a scrape shows it", () => {
    const { state, pick } = setup(['shared', 'quiet']);
    const candidates = [spec('shared', 8), spec('quiet', 8)];
    state.applyLoad('m', 'shared', load(8, 6), T0);
    state.applyLoad('m', 'quiet', load(0, 0), T0);
    // 14 requests from someone else: the quiet one takes the next 14 before the shared one is cheaper.
    const during = Array.from({ length: 14 }, () => pick(candidates, T0 + 100));
    expect(during.every((id) => id === 'quiet')).toBe(true);
    // They left: the next scrape shows only this router's 14, all on quiet.
    state.applyLoad('m', 'shared', load(0, 0), T0 + 1000);
    state.applyLoad('m', 'quiet', load(8, 6), T0 + 1000);
    const after = Array.from({ length: 14 }, () => pick(candidates, T0 + 1100));
    expect(after.every((id) => id === 'shared')).toBe(true);
    // 14 of ours on each. Someone else queues 34 on shared: fresh, that sends the next one to quiet...
    state.applyLoad('m', 'shared', load(8, 40), T0 + 2000);
    expect(pick(candidates, T0 + 2100)).toBe('quiet');
    // ...stale, it tells nothing: only this router's own requests count (14 against 15).
    expect(pick(candidates, T0 + 2000 + 3001)).toBe('shared');
  });

  it('tells a slow engine at a cold start from its token counters, before any request to it ended', () => {
    const { state, pick } = setup(['a', 'b', 'slow']);
    const candidates = [spec('a', 8), spec('b', 8), spec('slow', 8)];
    // Two scrapes a second apart: a and b decode 50 tokens/s per sequence, slow 16.
    for (const [id, perSecond] of [
      ['a', 50],
      ['b', 50],
      ['slow', 16],
    ] as const) {
      state.applyLoad('m', id, load(4, 0, { generationTokens: 1000 }), T0);
      state.applyLoad('m', id, load(4, 0, { generationTokens: 1000 + 4 * perSecond }), T0 + 1000);
    }
    // The others of those scrapes have left (running 4 → 0: 2 on average for the last second).
    for (const [id, perSecond] of [
      ['a', 50],
      ['b', 50],
      ['slow', 16],
    ] as const) {
      state.applyLoad('m', id, load(0, 0, { generationTokens: 1000 + 6 * perSecond }), T0 + 2000);
    }
    const picks = Array.from({ length: 12 }, () => pick(candidates, T0 + 2100));
    // Free slots everywhere: the slow one (3x the prefill time) gets none of the first dozen.
    expect(picks.filter((id) => id === 'slow')).toHaveLength(0);
    const view = state.view(T0 + 2100).backends.find((b) => b.id === 'slow');
    expect(view?.engineTokenRate).toBe(16);
  });
});

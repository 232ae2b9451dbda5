import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AcquireRequest, AttemptReport, RouterState } from '../../src/index.ts';
import { policyOf } from '../support/state-policy.ts';

export interface StateUnderTest {
  /** A fresh, empty state per call (the DO version uses a fresh namespace prefix, see its caller). */
  fresh(): Promise<RouterState>;
  close(): Promise<void>;
}

const T0 = 1_800_000_000_000;
let models = 0;

/** A unique model name per test, so shards of one Durable Object namespace never mix between tests. */
function modelName(): string {
  models++;
  return `model-${models}-${Math.random().toString(36).slice(2, 8)}`;
}

function acquireOf(
  model: string,
  ids: readonly string[],
  now: number,
  extra: Partial<AcquireRequest> = {},
): AcquireRequest {
  return {
    model,
    candidates: ids.map((id) => ({ id, weight: 1, rpmLimit: null, maxConcurrency: null, maxNumSeqs: null })),
    tried: [],
    now,
    policy: policyOf(),
    ...extra,
  };
}

function report(
  model: string,
  id: string,
  now: number,
  chargedAt: number,
  extra: Partial<AttemptReport> = {},
): AttemptReport {
  return {
    model,
    id,
    now,
    outcome: 'success',
    chargedAt,
    sawFirstByte: true,
    latencyMs: 10,
    ttftMs: 5,
    policy: policyOf(),
    ...extra,
  };
}

async function backendOf(state: RouterState, id: string, now = T0) {
  return (await state.view(now)).backends.find((backend) => backend.id === id);
}

/**
 * The RouterState port's behaviour, run against every implementation: MemoryRouterState in Node and the
 * Durable Object shards under workerd. Timestamps are explicit, so windows are tested exactly.
 */
export function runRouterStateContract(name: string, setup: () => Promise<StateUnderTest>): void {
  describe(`RouterState contract: ${name}`, () => {
    let subject: StateUnderTest;
    beforeAll(async () => {
      subject = await setup();
    });
    afterAll(async () => {
      await subject?.close();
    });

    it('register makes backends known with the given health; existing ones are untouched', async () => {
      const state = await subject.fresh();
      const m = modelName();
      await state.register(m, [
        { id: `${m}@a`, healthy: true },
        { id: `${m}@b`, healthy: false },
      ]);
      await state.register(m, [{ id: `${m}@b`, healthy: true }]);
      expect((await backendOf(state, `${m}@a`))?.healthy).toBe(true);
      expect((await backendOf(state, `${m}@b`))?.healthy).toBe(false);
    });

    it('acquire counts in-flight and sends; release records the completion', async () => {
      const state = await subject.fresh();
      const m = modelName();
      await state.register(m, [{ id: `${m}@a`, healthy: true }]);
      const got = await state.acquire(acquireOf(m, [`${m}@a`], T0));
      expect(got).toEqual({ kind: 'acquired', id: `${m}@a`, chargedAt: T0 });
      expect((await backendOf(state, `${m}@a`))?.inflight).toBe(1);
      expect(await state.release(report(m, `${m}@a`, T0 + 10, T0))).toBeNull();
      const live = await backendOf(state, `${m}@a`, T0 + 10);
      expect(live).toMatchObject({ inflight: 0, sendRpm: 1, completionRpm: 1, successes: 1, attempts: 1 });
    });

    it('prefers backends this request has not tried', async () => {
      const state = await subject.fresh();
      const m = modelName();
      await state.register(m, [
        { id: `${m}@a`, healthy: true },
        { id: `${m}@b`, healthy: true },
      ]);
      for (let i = 0; i < 5; i++) {
        const got = await state.acquire(acquireOf(m, [`${m}@a`, `${m}@b`], T0, { tried: [`${m}@a`] }));
        expect(got).toMatchObject({ kind: 'acquired', id: `${m}@b` });
      }
    });

    it('the RPM window is exact: the limit holds for 60 s, then frees', async () => {
      const state = await subject.fresh();
      const m = modelName();
      const id = `${m}@a`;
      await state.register(m, [{ id, healthy: true }]);
      const limited = (now: number) =>
        acquireOf(m, [id], now, {
          candidates: [{ id, weight: 1, rpmLimit: 2, maxConcurrency: null, maxNumSeqs: null }],
        });
      expect((await state.acquire(limited(T0))).kind).toBe('acquired');
      expect((await state.acquire(limited(T0 + 1000))).kind).toBe('acquired');
      expect(await state.acquire(limited(T0 + 2000))).toEqual({ kind: 'rate-limited', retryAfterMs: 58_000 });
      expect((await state.acquire(limited(T0 + 59_999))).kind).toBe('rate-limited');
      expect((await state.acquire(limited(T0 + 60_000))).kind).toBe('acquired');
    });

    it.each(['not-sent', 'withdrawn'] as const)(
      'a send that never reached the backend (%s) is refunded',
      async (outcome) => {
        const state = await subject.fresh();
        const m = modelName();
        const id = `${m}@a`;
        await state.register(m, [{ id, healthy: true }]);
        const limited = acquireOf(m, [id], T0, {
          candidates: [{ id, weight: 1, rpmLimit: 1, maxConcurrency: null, maxNumSeqs: null }],
        });
        await state.acquire(limited);
        await state.release(report(m, id, T0, T0, { outcome, error: 'never sent' }));
        expect((await state.acquire(limited)).kind).toBe('acquired');
      },
    );

    it('an upstream 429 holds the backend back until its Retry-After', async () => {
      const state = await subject.fresh();
      const m = modelName();
      const id = `${m}@a`;
      await state.register(m, [{ id, healthy: true }]);
      await state.acquire(acquireOf(m, [id], T0));
      await state.release(report(m, id, T0, T0, { outcome: 'rate-limited', holdUntil: T0 + 5000 }));
      expect(await state.acquire(acquireOf(m, [id], T0 + 1000))).toEqual({
        kind: 'rate-limited',
        retryAfterMs: 4000,
      });
      expect((await state.acquire(acquireOf(m, [id], T0 + 5000))).kind).toBe('acquired');
    });

    it('probes take a backend out after the failure threshold and bring it back', async () => {
      const state = await subject.fresh();
      const m = modelName();
      const id = `${m}@a`;
      await state.register(m, [{ id, healthy: true }]);
      const probe = (ok: boolean, now: number) =>
        state.applyProbe({
          model: m,
          id,
          ok,
          reason: ok ? 'ok' : 'down',
          now,
          policy: policyOf({ probeFailureThreshold: 2, recoveryThreshold: 1 }),
        });
      // A backend's very first probe decides at once (startup must not wait for a threshold).
      expect(await probe(true, T0)).toBeNull();
      expect(await probe(false, T0 + 1)).toBeNull();
      expect(await probe(false, T0 + 2)).toMatchObject({ id, healthy: false, cause: 'probe' });
      expect(await state.acquire(acquireOf(m, [id], T0 + 3))).toEqual({ kind: 'none-healthy' });
      expect(await probe(true, T0 + 4)).toMatchObject({ id, healthy: true, cause: 'probe' });
      expect((await backendOf(state, id))?.probed).toBe(true);
    });

    it('traffic failures eject a backend after retry.failure_threshold', async () => {
      const state = await subject.fresh();
      const m = modelName();
      const id = `${m}@a`;
      await state.register(m, [{ id, healthy: true }]);
      const transitions = [];
      for (let i = 0; i < 2; i++) {
        const got = await state.acquire(acquireOf(m, [id], T0 + i));
        expect(got.kind).toBe('acquired');
        transitions.push(
          await state.release(
            report(m, id, T0 + i, T0 + i, {
              outcome: 'failure',
              policy: policyOf({ ejectAfterFailures: 2 }),
              error: 'upstream status 500',
            }),
          ),
        );
      }
      expect(transitions[0]).toBeNull();
      expect(transitions[1]).toMatchObject({ id, healthy: false, cause: 'traffic' });
      expect(await backendOf(state, id)).toMatchObject({
        healthy: false,
        ejected: true,
        lastError: 'upstream status 500',
      });
    });

    it('firstByte ends the pending phase', async () => {
      const state = await subject.fresh();
      const m = modelName();
      const id = `${m}@a`;
      await state.register(m, [{ id, healthy: true }]);
      await state.acquire(acquireOf(m, [id], T0));
      expect((await backendOf(state, id))?.pending).toBe(1);
      await state.firstByte(m, id);
      expect(await backendOf(state, id)).toMatchObject({ pending: 0, inflight: 1 });
    });

    it('retire drops a backend once its in-flight attempts finish', async () => {
      const state = await subject.fresh();
      const m = modelName();
      const id = `${m}@a`;
      await state.register(m, [{ id, healthy: true }]);
      await state.acquire(acquireOf(m, [id], T0));
      await state.retire(m, [id]);
      expect(await backendOf(state, id)).toBeDefined();
      await state.release(report(m, id, T0 + 1, T0));
      expect(await backendOf(state, id)).toBeUndefined();
    });

    it('a probe result for a backend never registered, or already retired, changes nothing', async () => {
      const state = await subject.fresh();
      const m = modelName();
      const gone = `${m}@gone`;
      await state.register(m, [{ id: gone, healthy: true }]);
      await state.retire(m, [gone]);
      const probe = (id: string) =>
        state.applyProbe({
          model: m,
          id,
          ok: true,
          reason: 'ok',
          now: T0,
          policy: policyOf({ probeFailureThreshold: 1, recoveryThreshold: 1 }),
        });
      expect(await probe(gone)).toBeNull();
      expect(await probe(`${m}@never`)).toBeNull();
      expect(await backendOf(state, gone)).toBeUndefined();
      expect(await backendOf(state, `${m}@never`)).toBeUndefined();
      // Re-added later: its registration decides, not the late probe.
      await state.register(m, [{ id: gone, healthy: false }]);
      expect(await backendOf(state, gone)).toMatchObject({ healthy: false, probed: false });
      expect(await state.acquire(acquireOf(m, [gone], T0))).toEqual({ kind: 'none-healthy' });
    });

    it('a retired backend takes no new attempt, even from a request holding an older pool', async () => {
      const state = await subject.fresh();
      const m = modelName();
      const [a, b] = [`${m}@a`, `${m}@b`];
      await state.register(m, [
        { id: a, healthy: true },
        { id: b, healthy: true },
      ]);
      await state.acquire(acquireOf(m, [b], T0));
      await state.retire(m, [a, b]);
      // a is dropped at once, b (one attempt in flight) once it ends; neither is picked meanwhile.
      expect(await state.acquire(acquireOf(m, [a, b], T0 + 1))).toEqual({ kind: 'none-healthy' });
      await state.release(report(m, b, T0 + 2, T0));
      expect(await state.acquire(acquireOf(m, [a, b], T0 + 3))).toEqual({ kind: 'none-healthy' });
      expect((await state.view(T0 + 3)).backends.filter((v) => v.id === a || v.id === b)).toEqual([]);
    });

    it('a candidate the state has never seen is taken as healthy (state restarted under running routers)', async () => {
      const state = await subject.fresh();
      const m = modelName();
      const id = `${m}@unseen`;
      expect(await state.acquire(acquireOf(m, [id], T0))).toMatchObject({ kind: 'acquired', id });
      expect(await backendOf(state, id)).toMatchObject({ healthy: true, inflight: 1 });
    });

    it('applyLoad is shown in the view', async () => {
      const state = await subject.fresh();
      const m = modelName();
      const id = `${m}@a`;
      await state.register(m, [{ id, healthy: true }]);
      const load = {
        engine: 'vllm',
        running: 3,
        waiting: 2,
        kvCacheUsage: 0.5,
        promptTokens: 10,
        generationTokens: 20,
        maxRunning: null,
        prefixCacheQueries: null,
        prefixCacheHits: null,
        prefixCacheHitRate: null,
      } as const;
      await state.applyLoad(m, id, load, T0);
      expect(await backendOf(state, id)).toMatchObject({ load, loadAt: T0 });
    });

    it('cache-aware: a prefix goes back where it was served, the index lives with the model, retire forgets', async () => {
      const state = await subject.fresh();
      const m = modelName();
      const ids = [`${m}@a`, `${m}@b`, `${m}@c`];
      await state.register(
        m,
        ids.map((id) => ({ id, healthy: true })),
      );
      const policy = policyOf({ strategy: 'cache-aware', cacheAware: { loadMargin: 1, maxBlocks: 100 } });
      // The block-hash chain the core computed from the body travels with the acquire.
      const affinity = { session: null, blocks: Array.from({ length: 40 }, (_, k) => 7_000 + k) };
      const pick = async (now: number) => {
        const got = await state.acquire(acquireOf(m, ids, now, { policy, affinity }));
        if (got.kind !== 'acquired') throw new Error(got.kind);
        await state.release(report(m, got.id, now + 1, now, { policy }));
        return got.id;
      };
      const home = await pick(T0);
      for (let i = 1; i <= 5; i++) expect(await pick(T0 + i * 10)).toBe(home);
      const indexOf = async () => (await state.view(T0 + 100)).prefixIndexes?.find((x) => x.model === m);
      expect(await indexOf()).toMatchObject({ entries: 40, capacity: 100 });
      await state.retire(m, [home]);
      expect(await indexOf()).toMatchObject({ entries: 0 });
      const next = await pick(T0 + 200);
      expect(next).not.toBe(home);
      expect(await pick(T0 + 210)).toBe(next);
    });

    it("learns an engine's slots from scrapes and its speed from released attempts (least-waiting)", async () => {
      const state = await subject.fresh();
      const m = modelName();
      const id = `${m}@a`;
      await state.register(m, [{ id, healthy: true }]);
      const queued = {
        engine: 'vllm',
        running: 6,
        kvCacheUsage: 0.5,
        maxRunning: null,
        prefixCacheQueries: null,
        prefixCacheHits: null,
        prefixCacheHitRate: null,
      } as const;
      await state.applyLoad(m, id, { ...queued, waiting: 2, promptTokens: 10, generationTokens: 20 }, T0);
      expect(await backendOf(state, id)).toMatchObject({ learnedCapacity: null, capacityFloor: 6 });
      await state.applyLoad(m, id, { ...queued, waiting: 1, promptTokens: 30, generationTokens: 40 }, T0 + 1);
      expect(await backendOf(state, id)).toMatchObject({
        learnedCapacity: { capacity: 6, source: 'learned' },
      });
      // Idle again: the next requests find a free slot, so their first byte measures the prefill.
      const idle = { ...queued, running: 0, waiting: 0, promptTokens: 50, generationTokens: 60 };
      await state.applyLoad(m, id, idle, T0 + 2);
      for (let i = 0; i < 4; i++) {
        const now = T0 + 10 + i;
        const acquired = await state.acquire(
          acquireOf(m, [id], now, { policy: policyOf({ strategy: 'least-waiting' }) }),
        );
        expect(acquired.kind).toBe('acquired');
        // The first byte's timing teaches the time to first token before the request ends.
        await state.firstByte(m, id, { chargedAt: now, ttftMs: 50 });
        if (i === 3)
          expect(await backendOf(state, id, now + 50)).toMatchObject({ firstTokenMs: 50, decodeMs: null });
        await state.release(report(m, id, now + 800, now, { latencyMs: 800, ttftMs: 50 }));
      }
      expect(await backendOf(state, id, T0 + 1000)).toMatchObject({ firstTokenMs: 50, decodeMs: 750 });
    });

    it('recordRequest adds to the totals, across models', async () => {
      const state = await subject.fresh();
      const before = (await state.view(T0)).totals;
      const record = { outcome: 'success', status: 200, latencyMs: 120, ttftMs: 30, attempts: 1 } as const;
      await state.recordRequest({ model: modelName(), ...record });
      await state.recordRequest({ model: modelName(), ...record });
      await state.recordRequest({ model: '', ...record, outcome: 'rejected', status: 404, ttftMs: null });
      const after = (await state.view(T0)).totals;
      expect(after.requests - before.requests).toBe(3);
      expect(after.successes - before.successes).toBe(2);
      expect(after.rejected - before.rejected).toBe(1);
      expect(after.ttftCount - before.ttftCount).toBe(2);
      expect(after.latencyCumulative.at(-1)! - before.latencyCumulative.at(-1)!).toBe(3);
    });

    it('a leased attempt gives its slot back once: released, or expired unrenewed (never both)', async () => {
      const state = await subject.fresh();
      const m = modelName();
      const id = `${m}@a`;
      await state.register(m, [{ id, healthy: true }]);
      const first = await state.acquire(acquireOf(m, [id], T0, { leaseMs: 1000 }));
      expect(first).toMatchObject({ kind: 'acquired', id, lease: { until: T0 + 1000 } });
      const lease = first.kind === 'acquired' ? first.lease?.id : undefined;
      expect(lease).toBeTypeOf('string');
      const timing = { chargedAt: T0, ttftMs: 5, ...(lease ? { lease } : {}) };
      await state.firstByte(m, id, timing);
      await state.firstByte(m, id, timing);
      await state.renew(m, lease ?? '', 1000, T0 + 800);
      // Renewed at T0+800: alive at T0+1500, expired (slot back, counted) by T0+3000.
      expect(await backendOf(state, id, T0 + 1500)).toMatchObject({ inflight: 1, pending: 0 });
      expect(await backendOf(state, id, T0 + 3000)).toMatchObject({
        inflight: 0,
        pending: 0,
        leasesExpired: 1,
      });
      // Another attempt is in flight when the expired one's release finally arrives: it is not taken back.
      const second = await state.acquire(acquireOf(m, [id], T0 + 3001, { leaseMs: 1000 }));
      await state.release(report(m, id, T0 + 3002, T0, { lease: lease ?? '', sawFirstByte: true }));
      expect(await backendOf(state, id, T0 + 3003)).toMatchObject({ inflight: 1, pending: 1, successes: 1 });
      const again = second.kind === 'acquired' ? second.lease?.id : undefined;
      await state.release(report(m, id, T0 + 3004, T0 + 3001, { lease: again ?? '', sawFirstByte: false }));
      expect(await backendOf(state, id, T0 + 3005)).toMatchObject({ inflight: 0, pending: 0, successes: 2 });
    });

    it('a deferred failure counts toward ejection only when blamed', async () => {
      const state = await subject.fresh();
      const m = modelName();
      const id = `${m}@a`;
      await state.register(m, [{ id, healthy: true }]);
      const policy = policyOf({ ejectAfterFailures: 1 });
      await state.acquire(acquireOf(m, [id], T0));
      expect(
        await state.release(report(m, id, T0 + 1, T0, { outcome: 'failure', deferJudgement: true, policy })),
      ).toBeNull();
      expect(await backendOf(state, id)).toMatchObject({
        healthy: true,
        failures: 1,
        consecutiveFailures: 0,
      });
      expect(
        await state.blame({ model: m, id, now: T0 + 2, reason: 'request failures', policy }),
      ).toMatchObject({
        id,
        healthy: false,
        cause: 'traffic',
      });
      expect(await backendOf(state, id)).toMatchObject({ healthy: false, ejected: true });
    });
  });
}

import { afterEach, describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../src/core/random.ts';
import { MemoryRouterState } from '../../src/state/memory-router-state.ts';
import type { HealthTransition } from '../../src/state/router-state.ts';
import type { SimServer } from '../../tools/sim/index.ts';
import { closeAll, startSims, startTestRouter, type TestRouter, waitFor } from '../support/router-fixture.ts';
import { policyOf } from '../support/state-policy.ts';
import { chatBody, postChat } from './support.ts';

const ID = 'm@http://127.0.0.1:1/v1';

/** A state with one backend and helpers that feed it probe and traffic results. */
function machine(failureThreshold: number, recoveryThreshold: number, trafficThreshold = 2) {
  const state = new MemoryRouterState(createSeededRandom(1));
  state.register('m', [{ id: ID, healthy: true }]);
  let now = 0;
  const probe = (ok: boolean): boolean | null =>
    state.applyProbe({
      model: 'm',
      id: ID,
      ok,
      reason: ok ? 'ok' : 'down',
      now: ++now,
      policy: policyOf({ probeFailureThreshold: failureThreshold, recoveryThreshold }),
    })?.healthy ?? null;
  const request = (outcome: 'success' | 'failure' | 'client-error'): boolean | null => {
    const acquired = state.acquire({
      model: 'm',
      candidates: [{ id: ID, weight: 1, rpmLimit: null, maxConcurrency: null, maxNumSeqs: null }],
      tried: [],
      now: ++now,
      policy: policyOf({ strategy: 'simple-shuffle', staleAfterMs: 1000 }),
    });
    if (acquired.kind !== 'acquired') throw new Error(`not acquired: ${acquired.kind}`);
    const change = state.release({
      model: 'm',
      id: ID,
      now: ++now,
      outcome,
      chargedAt: acquired.chargedAt,
      sawFirstByte: true,
      latencyMs: 1,
      ttftMs: null,
      policy: policyOf({ ejectAfterFailures: trafficThreshold }),
    });
    return change?.healthy ?? null;
  };
  const healthy = () => state.view(now).backends[0]!.healthy;
  return { state, probe, request, healthy };
}

describe('probe state machine (MemoryRouterState.applyProbe)', () => {
  it('goes down after failure_threshold consecutive failures and needs recovery_threshold passes to return', () => {
    const m = machine(2, 2);
    expect(m.probe(true)).toBeNull(); // first probe confirms the start-up assumption
    expect(m.probe(false)).toBeNull();
    expect(m.healthy()).toBe(true);
    expect(m.probe(false)).toBe(false);
    expect(m.probe(false)).toBeNull(); // no repeated transition while down
    expect(m.probe(true)).toBeNull();
    expect(m.healthy()).toBe(false);
    expect(m.probe(true)).toBe(true);
    expect(m.healthy()).toBe(true);
  });

  it('counts only consecutive results: a failure resets the passes, a pass resets the failures', () => {
    const m = machine(2, 2);
    m.probe(true);
    m.probe(false);
    m.probe(true); // resets the failure count
    expect(m.probe(false)).toBeNull();
    expect(m.probe(false)).toBe(false);
    m.probe(true);
    m.probe(false); // resets the pass count
    expect(m.probe(true)).toBeNull();
    expect(m.probe(true)).toBe(true);
  });

  it('a backend that fails its very first probe is down at once (it never proved itself)', () => {
    const m = machine(3, 2);
    expect(m.probe(false)).toBe(false);
  });

  it('passive ejection: retry.failure_threshold failed requests eject; the next passing probe readmits (half-open)', () => {
    const m = machine(3, 3, 2);
    m.probe(true);
    expect(m.request('failure')).toBeNull();
    expect(m.request('success')).toBeNull(); // resets the streak
    expect(m.request('failure')).toBeNull();
    expect(m.request('failure')).toBe(false);
    expect(m.state.view(0).backends[0]).toMatchObject({ healthy: false, ejected: true });
    // recovery_threshold 3 applies to probe-detected outages; an ejected backend needs one pass.
    expect(m.probe(true)).toBe(true);
    expect(m.state.view(0).backends[0]).toMatchObject({
      healthy: true,
      ejected: false,
      consecutiveFailures: 0,
    });
  });

  it('an ejected backend that probes then see failing needs recovery_threshold passes, not one', () => {
    const m = machine(2, 3, 1);
    m.probe(true);
    expect(m.request('failure')).toBe(false);
    expect(m.state.view(0).backends[0]).toMatchObject({ ejected: true });
    expect(m.probe(false)).toBeNull();
    expect(m.state.view(0).backends[0]).toMatchObject({ ejected: true }); // one failed probe: still half-open
    expect(m.probe(false)).toBeNull();
    // failure_threshold failed probes: the probes agree it is down, so it is no longer "ejected".
    expect(m.state.view(0).backends[0]).toMatchObject({ healthy: false, ejected: false });
    expect(m.probe(true)).toBeNull();
    expect(m.probe(true)).toBeNull();
    expect(m.healthy()).toBe(false);
    expect(m.probe(true)).toBe(true);
  });

  it('client 4xx never count as failures', () => {
    const m = machine(3, 1, 1);
    for (let i = 0; i < 10; i++) expect(m.request('client-error')).toBeNull();
    expect(m.healthy()).toBe(true);
  });
});

describe('recovery_threshold end to end', () => {
  let sims: SimServer[] = [];
  let router: TestRouter | undefined;

  afterEach(async () => {
    await router?.close();
    router = undefined;
    await closeAll(sims);
    sims = [];
  });

  it('a backend down by probes needs 2 passing router.probe() rounds before it serves again', async () => {
    sims = await startSims([{ models: ['rt-model'], ttftMs: 1 }]);
    const [sim] = sims as [SimServer];
    router = await startTestRouter({
      main: { health_check: { failure_threshold: 2, recovery_threshold: 2, timeout: 0.5 } },
      backends: [{ model_name: 'rt-model', api_base: sim }],
    });
    const { running, url } = router;
    const changes: HealthTransition[] = [];
    running.router.onHealthChange((change) => changes.push(change));

    await sim.stop();
    await running.router.probe();
    expect(changes).toEqual([]);
    await running.router.probe();
    expect(changes).toEqual([expect.objectContaining({ healthy: false, cause: 'probe' })]);
    const down = await postChat(url, chatBody('rt-model', 1));
    expect(down.status).toBe(503);
    expect(JSON.parse(down.text)).toMatchObject({ error: { message: 'no healthy backends available' } });

    await sim.start();
    await running.router.probe();
    expect(changes).toHaveLength(1);
    expect((await postChat(url, chatBody('rt-model', 1))).status).toBe(503);
    await running.router.probe();
    expect(changes.map((change) => [change.healthy, change.cause])).toEqual([
      [false, 'probe'],
      [true, 'probe'],
    ]);
    expect((await postChat(url, chatBody('rt-model', 1))).status).toBe(200);
    // Unhealthy backends stay listed in /v1/models throughout; it is listed now too.
    const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data.map((model) => model.id)).toEqual(['rt-model']);
  });

  it('a passively ejected backend is probed on its own after ejection_probe_delay, not at the next round', async () => {
    sims = await startSims([{ models: ['ej-model'], ttftMs: 1, faults: { errorRate: 1 } }]);
    const [sim] = sims as [SimServer];
    // Rounds an hour apart: only the probe scheduled by the ejection can bring it back.
    router = await startTestRouter({
      main: { health_check: { interval: 3600, ejection_probe_delay: 0.2 }, retry: { failure_threshold: 2 } },
      backends: [{ model_name: 'ej-model', api_base: sim }],
    });
    const { running, url } = router;
    const changes: HealthTransition[] = [];
    running.router.onHealthChange((change) => changes.push(change));
    let probes = 0;
    sim.events.on('request', (info: { path: string }) => {
      if (info.path === '/v1/models') probes++;
    });

    expect((await postChat(url, chatBody('ej-model', 1))).status).toBeGreaterThanOrEqual(500);
    expect(changes).toEqual([expect.objectContaining({ healthy: false, cause: 'traffic' })]);
    const ejectedAt = Date.now();
    sim.setFaults({ errorRate: 0 });
    expect(await waitFor(() => changes.length === 2, 3000)).toBe(true);
    expect(changes[1]).toMatchObject({ healthy: true, cause: 'probe' });
    expect(Date.now() - ejectedAt).toBeGreaterThanOrEqual(150);
    expect(probes).toBe(1);
    expect((await postChat(url, chatBody('ej-model', 1))).status).toBe(200);
  });

  it('probes run at most health_check.max_concurrency at once, each cut at health_check.timeout', async () => {
    // Six backends answer /models after 300 ms, one after 5 s (it will time out at 1 s).
    sims = await startSims([
      ...Array.from({ length: 6 }, () => ({ models: ['pc-model'], faults: { slowFirstByteMs: 300 } })),
      { models: ['pc-model'], faults: { slowFirstByteMs: 5000 } },
    ]);
    const hung = sims[6]!;
    router = await startTestRouter({
      main: { health_check: { max_concurrency: 2, timeout: 1, failure_threshold: 1 } },
      backends: sims.map((sim) => ({ model_name: 'pc-model', api_base: sim })),
    });
    // The start-up round's probe of the hung backend was aborted; wait until the sim saw it go, so its
    // late 'cancel' event does not skew the count below.
    expect(await waitFor(() => hung.stats().cancelled === 1, 3000)).toBe(true);
    let current = 0;
    let peak = 0;
    const onRequest = (info: { path: string }) => {
      if (info.path !== '/v1/models') return;
      current++;
      peak = Math.max(peak, current);
    };
    const onEnd = (info: { path: string }) => {
      if (info.path === '/v1/models') current--;
    };
    for (const sim of sims) {
      sim.events.on('request', onRequest).on('complete', onEnd).on('cancel', onEnd);
    }
    const started = Date.now();
    await router.running.router.probe();
    const took = Date.now() - started;
    expect(peak).toBe(2);
    // (6 x 300 ms + 1 s) over 2 lanes: at least 1.2 s; the hung one did not hold a lane for 5 s.
    expect(took).toBeGreaterThanOrEqual(1200);
    expect(took).toBeLessThan(4000);
    const view = await router.running.router.view();
    const hungView = view.backends.find((b) => b.id === `pc-model@${hung.url}`);
    expect(hungView).toMatchObject({ healthy: false });
    expect(hungView?.lastError).toMatch(/^probe: /);
    expect(view.backends.filter((b) => b.healthy)).toHaveLength(6);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { HealthTransition } from '../../src/state/router-state.ts';
import type { SimServer } from '../../tools/sim/index.ts';
import {
  closeAll,
  inferenceCount,
  routerAttempts,
  startSims,
  startTestRouter,
  type TestRouter,
  waitFor,
} from '../support/router-fixture.ts';
import { chatBody, dashboard, openStream, postChat, type Reply, sleep } from './support.ts';

/** Issue 4 items 1 and 2: active probes and passive ejection against real sockets. */
describe('backend failure under load', () => {
  let sims: SimServer[] = [];
  let router: TestRouter | undefined;

  afterEach(async () => {
    await router?.close();
    router = undefined;
    await closeAll(sims);
    sims = [];
  });

  it('a backend killed under 200 concurrent requests costs no client a failure, is ejected by traffic, and comes back', async () => {
    sims = await startSims([
      { models: ['kill-model'], ttftMs: 400, tokensPerSecond: 1000 },
      { models: ['kill-model'], ttftMs: 400, tokensPerSecond: 1000 },
      { models: ['kill-model'], ttftMs: 400, tokensPerSecond: 1000 },
    ]);
    const [victim] = sims as [SimServer, SimServer, SimServer];
    // retry.failure_threshold stays at its default (3).
    router = await startTestRouter({
      main: {
        routing: { num_retries: 3 },
        // Four failed probes (0.6-0.8 s) before probes call it down: traffic sees the death first even
        // when the resets of in-flight requests are judged only once their retries answer elsewhere.
        health_check: { interval: 0.2, timeout: 0.5, failure_threshold: 4 },
      },
      backends: sims.map((sim) => ({ model_name: 'kill-model', api_base: sim })),
    });
    const { url, running } = router;
    const victimId = `kill-model@${victim.url}`;
    const changes: { change: HealthTransition; attempts: number }[] = [];
    running.router.onHealthChange((change) => {
      if (change.id !== victimId) return;
      // The state is read synchronously, so this is the attempt count at the moment of the transition.
      void running.router.view().then((view) => {
        changes.push({ change, attempts: view.backends.find((b) => b.id === victimId)?.attempts ?? -1 });
      });
    });

    // 200 requests at once; the victim dies while its share (about a third) is in flight at the sims.
    const wave = () =>
      Promise.all(Array.from({ length: 200 }, () => postChat(url, chatBody('kill-model', 3))));
    const first = wave();
    const arrived = () => sims.reduce((sum, sim) => sum + inferenceCount(sim), 0);
    expect(await waitFor(() => arrived() >= 200, 5000)).toBe(true);
    const onVictim = inferenceCount(victim);
    expect(onVictim).toBeGreaterThan(10);
    await victim.stop();
    const failures = (replies: readonly Reply[]) =>
      replies.filter((reply) => reply.status !== 200).map((r) => `${r.status} ${r.text}`);
    expect(failures(await first)).toEqual([]);

    // Passive ejection after failure_threshold (3) failed attempts, by traffic, not by a probe; the
    // in-flight ones that failed with it were retried on the other two.
    expect(changes[0]?.change).toMatchObject({ healthy: false, cause: 'traffic' });
    const attemptsAtEjection = changes[0]!.attempts;
    expect(attemptsAtEjection).toBe(onVictim);
    // A second wave of 200 at once: none of it goes to the dead backend.
    expect(failures(await wave())).toEqual([]);
    expect(await routerAttempts(running, victimId)).toBe(attemptsAtEjection);
    // Probes keep failing and keep it out for several probe intervals; after failure_threshold failed
    // probes it counts as down by probes (no longer "ejected"), so recovery_threshold applies.
    await sleep(1100);
    expect(await routerAttempts(running, victimId)).toBe(attemptsAtEjection);
    const down = (await dashboard(url)).backends.find((b) => b.id === victimId);
    expect(down).toMatchObject({ healthy: false, ejected: false });
    expect(down?.last_error).toMatch(/^probe: /);
    expect(changes).toHaveLength(1);

    // Restart on the same port: the next passing probe (interval 0.2 s) brings it back, and it takes traffic.
    await victim.start();
    expect(await waitFor(() => changes.length === 2, 2000)).toBe(true);
    expect(changes[1]?.change).toMatchObject({ healthy: true, cause: 'probe' });
    const before = inferenceCount(victim);
    const after = await Promise.all(
      Array.from({ length: 30 }, () => postChat(url, chatBody('kill-model', 1))),
    );
    expect(after.every((reply) => reply.status === 200)).toBe(true);
    expect(inferenceCount(victim)).toBeGreaterThan(before);
  });

  it('an idle backend that dies is marked down by probes after failure_threshold failures, then recovers', async () => {
    sims = await startSims([
      { models: ['idle-model'], ttftMs: 1 },
      { models: ['idle-model'], ttftMs: 1 },
    ]);
    const [victim] = sims as [SimServer, SimServer];
    router = await startTestRouter({
      main: { health_check: { interval: 0.1, timeout: 0.5, failure_threshold: 3 } },
      backends: sims.map((sim) => ({ model_name: 'idle-model', api_base: sim })),
    });
    const victimId = `idle-model@${victim.url}`;
    const changes: HealthTransition[] = [];
    router.running.router.onHealthChange((change) => {
      if (change.id === victimId) changes.push(change);
    });
    const killedAt = Date.now();
    await victim.stop();
    expect(await waitFor(() => changes.length === 1, 2000)).toBe(true);
    // Three consecutive failed probes 100 ms apart: not before ~200 ms, not much after ~300 ms.
    expect(changes[0]).toMatchObject({ healthy: false, cause: 'probe' });
    expect(changes[0]!.at - killedAt).toBeGreaterThanOrEqual(150);
    expect(changes[0]!.at - killedAt).toBeLessThan(1500);
    // Unhealthy backends stay known (listed, shown) and keep being probed.
    const board = await dashboard(router.url);
    expect(board.backends.map((b) => b.id)).toContain(victimId);
    const probesBefore = victim.stats().received;
    await victim.start();
    expect(await waitFor(() => changes.length === 2, 2000)).toBe(true);
    expect(changes[1]).toMatchObject({ healthy: true, cause: 'probe' });
    expect(victim.stats().received).toBeGreaterThan(probesBefore);
  });

  it('a backend whose /models passes but every inference 500s is ejected by traffic; clients never see it', async () => {
    sims = await startSims([
      { models: ['half-model'], ttftMs: 1, tokensPerSecond: 1000, faults: { failInferenceOnly: true } },
      { models: ['half-model'], ttftMs: 1, tokensPerSecond: 1000 },
      { models: ['half-model'], ttftMs: 1, tokensPerSecond: 1000 },
    ]);
    const [bad] = sims as [SimServer, SimServer, SimServer];
    router = await startTestRouter({
      // No probe scheduled by the ejection: this test drives the half-open probe itself.
      main: {
        retry: { failure_threshold: 3 },
        routing: { num_retries: 3 },
        health_check: { ejection_probe_delay: 0 },
      },
      backends: sims.map((sim) => ({ model_name: 'half-model', api_base: sim })),
    });
    const badId = `half-model@${bad.url}`;
    const { url, running } = router;
    const changes: HealthTransition[] = [];
    running.router.onHealthChange((change) => {
      if (change.id === badId) changes.push(change);
    });
    // The start-up probe said healthy: only traffic can tell.
    expect((await running.router.view()).backends.find((b) => b.id === badId)?.healthy).toBe(true);

    // Sequential, so consecutive failures are exact: 3 failures eject, none after that.
    for (let i = 0; i < 60; i++) {
      const reply = await postChat(url, chatBody('half-model', 1));
      expect(reply.status).toBe(200);
    }
    expect(inferenceCount(bad)).toBe(3);
    expect(await routerAttempts(running, badId)).toBe(3);
    expect(changes).toEqual([expect.objectContaining({ healthy: false, cause: 'traffic' })]);
    expect((await dashboard(url)).backends.find((b) => b.id === badId)).toMatchObject({
      healthy: false,
      ejected: true,
      failures: 3,
    });

    // Half-open: the next passing probe brings it back; it must fail threshold times again to go.
    await running.router.probe();
    expect(changes[1]).toMatchObject({ healthy: true, cause: 'probe' });
    for (let i = 0; i < 60; i++) expect((await postChat(url, chatBody('half-model', 1))).status).toBe(200);
    expect(inferenceCount(bad)).toBe(6);
    expect(changes.map((c) => c.healthy)).toEqual([false, true, false]);
  });

  it('a backend killed mid-stream ends its streams with an SSE error event, counted as failures', async () => {
    sims = await startSims([
      { models: ['ms-model'], ttftMs: 5, tokensPerSecond: 20 },
      { models: ['ms-model'], ttftMs: 5, tokensPerSecond: 20 },
    ]);
    const [victim] = sims as [SimServer, SimServer];
    router = await startTestRouter({
      backends: sims.map((sim) => ({ model_name: 'ms-model', api_base: sim })),
    });
    const victimId = `ms-model@${victim.url}`;
    // 20 tokens at 20 tokens/s: ~1 s each.
    const streams = await Promise.all(
      Array.from({ length: 20 }, () => openStream(router!.url, 'ms-model', 20)),
    );
    await Promise.all(streams.map((stream) => stream.firstEvent));
    await victim.stop();
    const results = await Promise.all(streams.map((stream) => stream.result));
    const cut = results.filter((result) => result.backend === victimId);
    const whole = results.filter((result) => result.backend !== victimId);
    expect(cut.length).toBeGreaterThan(0);
    expect(whole.length).toBeGreaterThan(0);
    for (const result of cut) {
      // No [DONE]: the last event is a parseable error the openai SDK raises.
      expect(result.done).toBe(false);
      const last = JSON.parse(result.data[result.data.length - 1]!) as { error?: { code?: string } };
      expect(last.error?.code).toBe('upstream_stream_error');
    }
    for (const result of whole) expect(result).toMatchObject({ done: true, tokens: 20, error: null });
    const board = await dashboard(router.url);
    expect(board.backends.find((b) => b.id === victimId)?.failures).toBe(cut.length);
    expect(board.requests.failures).toBe(cut.length);
    expect(board.requests.success).toBe(whole.length);
  });

  it('client 4xx answers never count against a backend', async () => {
    sims = await startSims([{ models: ['four-model'], ttftMs: 1 }]);
    router = await startTestRouter({
      main: { retry: { failure_threshold: 1 } },
      backends: [{ model_name: 'four-model', api_base: sims[0]! }],
    });
    // The sim rejects a non-positive max_tokens with 400, passed through and not retried.
    for (let i = 0; i < 5; i++) {
      const reply = await postChat(
        router.url,
        JSON.stringify({ model: 'four-model', max_tokens: -1, messages: [] }),
      );
      expect(reply.status).toBe(400);
    }
    const view = await router.running.router.view();
    expect(view.backends[0]).toMatchObject({ healthy: true, failures: 0, clientErrors: 5 });
    expect((await postChat(router.url, chatBody('four-model', 1))).status).toBe(200);
  });
});

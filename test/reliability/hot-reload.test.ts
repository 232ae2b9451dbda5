import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startRouter } from '../../adapters/node/start-router.ts';
import type { SimServer } from '../../tools/sim/index.ts';
import {
  backendFileYaml,
  closeAll,
  defaultMainConfig,
  inferenceCount,
  mergeConfig,
  routerAttempts,
  startSims,
  startTestRouter,
  type TestRouter,
  waitFor,
  writeConfigDir,
} from '../support/router-fixture.ts';
import { capturingLogger, chatBody, dashboard, type OpenStream, openStream, postChat } from './support.ts';

const MODEL = 'hr-model';
const SLOW = { ttftMs: 20, tokensPerSecond: 10 } as const;
const FAST = { ttftMs: 1, tokensPerSecond: 1000 } as const;

/** Issue 4 item 4: hot reload of backend files and config.yaml while traffic flows. */
describe('hot reload under load', () => {
  let sims: SimServer[] = [];
  let router: TestRouter | undefined;

  afterEach(async () => {
    await router?.close();
    router = undefined;
    await closeAll(sims);
    sims = [];
  });

  it('adds, removes and re-weights backends while 100 streams are open: no stream cut, no request failed', async () => {
    // A and B serve at start; C is added later and fails its /models probe at first.
    sims = await startSims([
      { models: [MODEL], ...SLOW },
      { models: [MODEL], ...SLOW },
      { models: [MODEL], ...SLOW, faults: { modelsStatus: 503 } },
    ]);
    const [a, b, c] = sims as [SimServer, SimServer, SimServer];
    const id = (sim: SimServer) => `${MODEL}@${sim.url}`;
    router = await startTestRouter({
      main: { health_check: { interval: 0.25, timeout: 1 } },
      backends: [
        { model_name: MODEL, api_base: a },
        { model_name: MODEL, api_base: b },
      ],
    });
    const { url, running, config } = router;

    // 100 streams of 40 tokens at 10 tokens/s: ~4 s, open through the reloads below.
    const streams: OpenStream[] = await Promise.all(
      Array.from({ length: 100 }, () => openStream(url, MODEL, 40)),
    );
    await Promise.all(streams.map((stream) => stream.firstEvent));
    let ended = 0;
    for (const stream of streams) void stream.result.then(() => ended++);
    // Plus steady short requests from 4 workers through every step.
    let stopBackground = false;
    const background = Promise.all(
      Array.from({ length: 4 }, async () => {
        const statuses: number[] = [];
        // A network error (status 0) ends the worker too, so a failed assertion never leaves it spinning.
        while (!stopBackground && statuses.at(-1) !== 0) {
          statuses.push((await postChat(url, chatBody(MODEL, 1))).status);
        }
        return statuses;
      }),
    );
    const onB = streams.filter((stream) => stream.backend === id(b)).length;
    expect(onB).toBeGreaterThan(0);
    const attemptsA = await routerAttempts(running, id(a));

    // 1. Remove B, add C (its probe answers 503).
    await writeFile(
      config.backendPath,
      backendFileYaml([
        { model_name: MODEL, api_base: a },
        { model_name: MODEL, api_base: c },
      ]),
    );
    await running.reload();
    expect(ended).toBe(0);
    expect(running.router.snapshot.backends.map((backend) => backend.id)).toEqual([id(a), id(c)]);
    const viewC = (await running.router.view()).backends.find((backend) => backend.id === id(c));
    expect(viewC).toMatchObject({ healthy: false, probed: true, attempts: 0 });
    // Unchanged A keeps its live state (its counter only grows: background traffic continues).
    expect(await routerAttempts(running, id(a))).toBeGreaterThanOrEqual(attemptsA);

    // New traffic: only A (B is gone, C has not passed a probe).
    const bBefore = inferenceCount(b);
    const wave1 = await Promise.all(Array.from({ length: 20 }, () => postChat(url, chatBody(MODEL, 1))));
    expect(wave1.map((reply) => reply.status)).toEqual(Array(20).fill(200));
    expect(new Set(wave1.map((reply) => reply.headers.get('x-llm-router-backend')))).toEqual(
      new Set([id(a)]),
    );
    expect(inferenceCount(c)).toBe(0);
    expect(inferenceCount(b)).toBe(bBefore);

    // 2. C's /models is fixed: the periodic probe admits it.
    c.setFaults({ modelsStatus: undefined });
    expect(
      await waitFor(
        async () => (await running.router.view()).backends.some((v) => v.id === id(c) && v.healthy),
        2000,
      ),
    ).toBe(true);

    // 3. Re-weight: A drops to 0.01, C stays 1. Applies at once; A (changed, same id) keeps its counters.
    const attemptsBefore = await routerAttempts(running, id(a));
    await writeFile(
      config.backendPath,
      backendFileYaml([
        { model_name: MODEL, api_base: a, weight: 0.01 },
        { model_name: MODEL, api_base: c, weight: 1 },
      ]),
    );
    await running.reload();
    expect(ended).toBeLessThan(100);
    expect(await routerAttempts(running, id(a))).toBeGreaterThanOrEqual(attemptsBefore);
    expect((await dashboard(url)).backends.find((backend) => backend.id === id(a))?.weight).toBe(0.01);
    const wave2 = await Promise.all(Array.from({ length: 40 }, () => postChat(url, chatBody(MODEL, 1))));
    expect(wave2.every((reply) => reply.status === 200)).toBe(true);
    const toC = wave2.filter((reply) => reply.headers.get('x-llm-router-backend') === id(c)).length;
    // Expected 39.6 of 40 to C.
    expect(toC).toBeGreaterThanOrEqual(35);

    // 4. A broken file: the previous version keeps serving and the error is on the dashboard.
    await writeFile(config.backendPath, 'model_list:\n  - model_name: [unclosed\n');
    await running.reload();
    const board = await dashboard(url);
    expect(board.config_errors).toEqual([expect.objectContaining({ file: config.backendPath })]);
    expect(board.backends.map((backend) => backend.id)).toEqual([id(a), id(c)]);
    expect((await postChat(url, chatBody(MODEL, 1))).status).toBe(200);

    stopBackground = true;
    const steady = (await background).flat();
    expect(steady.length).toBeGreaterThan(20);
    expect(steady.filter((status) => status !== 200)).toEqual([]);

    // Every stream, B's included, ran to [DONE] with all 40 tokens; the sims saw no cancel.
    const results = await Promise.all(streams.map((stream) => stream.result));
    expect(results.filter((r) => !r.done || r.tokens !== 40 || r.error !== null)).toEqual([]);
    expect(a.stats().cancelled + b.stats().cancelled + c.stats().cancelled).toBe(0);
    expect(b.stats().completed).toBe(bBefore);
    // B's live state is dropped once its last stream ended.
    expect((await running.router.view()).backends.map((backend) => backend.id).sort()).toEqual(
      [id(a), id(c)].sort(),
    );
  });

  it('the watcher picks up a broken file, keeps the old backends, and clears the error once fixed', async () => {
    sims = await startSims([{ models: [MODEL], ...FAST }]);
    const [a] = sims as [SimServer];
    router = await startTestRouter({ backends: [{ model_name: MODEL, api_base: a }] });
    const { url, config } = router;
    const good = await readFile(config.backendPath, 'utf8');

    // No reload() call: fs.watch (debounced) or the 2 s poll must notice.
    await writeFile(config.backendPath, '{ "model_list": [ { "model_name": 42 } ] }\n');
    expect(await waitFor(async () => (await dashboard(url)).config_errors.length === 1, 4000, 50)).toBe(true);
    const board = await dashboard(url);
    expect(board.config_errors[0]?.file).toBe(config.backendPath);
    expect(board.config_errors[0]?.message).toMatch(/model_name/);
    expect(board.backends.map((backend) => backend.id)).toEqual([`${MODEL}@${a.url}`]);
    expect((await postChat(url, chatBody(MODEL, 1))).status).toBe(200);

    await writeFile(config.backendPath, good.replace('"weight": 1', '"weight": 2'));
    expect(await waitFor(async () => (await dashboard(url)).config_errors.length === 0, 4000, 50)).toBe(true);
    expect((await dashboard(url)).backends[0]?.weight).toBe(2);
  });

  it('a file that stays broken is reported once, not again on every poll', async () => {
    sims = await startSims([{ models: [MODEL], ...FAST }]);
    const [a] = sims as [SimServer];
    const dir = await writeConfigDir({ backends: [{ model_name: MODEL, api_base: a }] });
    const log = capturingLogger();
    const running = await startRouter({ configPath: dir.configPath, port: 0, host: '127.0.0.1', log });
    try {
      await writeFile(dir.backendPath, 'model_list: [\n');
      for (let i = 0; i < 4; i++) await running.reload();
      const rejected = log.lines.filter((line) => line.message.startsWith('config rejected'));
      expect(rejected).toHaveLength(1);
      expect(rejected[0]?.fields.file).toBe(dir.backendPath);
      // Nothing else was "reloaded" meanwhile (no phantom files, no snapshot churn).
      expect(log.lines.filter((line) => line.message === 'backend file reloaded')).toEqual([]);
      expect(running.router.backendFiles).toEqual([dir.backendPath]);
      expect(running.router.configStatus.list().map((error) => error.file)).toEqual([dir.backendPath]);
    } finally {
      await running.close(0);
      await dir.remove();
    }
  });

  it('a deleted file and an emptied file remove their backends', async () => {
    sims = await startSims([
      { models: [MODEL], ...FAST },
      { models: ['extra-model'], ...FAST },
    ]);
    const [a, x] = sims as [SimServer, SimServer];
    router = await startTestRouter({ backends: [{ model_name: MODEL, api_base: a }] });
    const { url, running, config } = router;
    const extra = join(config.dir, 'self_deployed_extra.yaml');
    await writeFile(extra, backendFileYaml([{ model_name: 'extra-model', api_base: x }]));
    await running.reload();
    expect(running.router.snapshot.models).toEqual(['extra-model', MODEL]);
    // Reload-added backends wait for a passing probe, which runs inside the reload.
    expect((await postChat(url, chatBody('extra-model', 1))).status).toBe(200);

    await rm(extra);
    await running.reload();
    expect(running.router.snapshot.models).toEqual([MODEL]);
    expect((await postChat(url, chatBody('extra-model', 1))).status).toBe(404);

    await writeFile(config.backendPath, '');
    await running.reload();
    expect(running.router.snapshot.backends).toEqual([]);
    expect((await postChat(url, chatBody(MODEL, 1))).status).toBe(404);
  });

  it('a changed api_key, alias and rpm_limit apply to the very next request', async () => {
    sims = await startSims([{ models: [MODEL, 'upstream-name'], ...FAST }]);
    const [a] = sims as [SimServer];
    router = await startTestRouter({ backends: [{ model_name: MODEL, api_base: a, api_key: 'key-one' }] });
    const { url, running, config } = router;
    expect((await postChat(url, chatBody(MODEL, 1))).status).toBe(200);
    expect(a.stats().lastAuthorization).toBe('Bearer key-one');
    expect(JSON.parse(a.stats().lastBody ?? '{}')).toMatchObject({ model: MODEL });

    await writeFile(
      config.backendPath,
      backendFileYaml([
        { model_name: MODEL, api_base: a, api_key: 'key-two', model: 'openai/upstream-name', rpm_limit: 2 },
      ]),
    );
    await running.reload();
    expect((await postChat(url, chatBody(MODEL, 1))).status).toBe(200);
    expect(a.stats().lastAuthorization).toBe('Bearer key-two');
    expect(JSON.parse(a.stats().lastBody ?? '{}')).toMatchObject({ model: 'upstream-name' });
    // The limiter window kept the sends made before the reload: 2 in the last minute already.
    const limited = await postChat(url, chatBody(MODEL, 1));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('a shorter health_check.interval from a config.yaml reload takes effect at once', async () => {
    sims = await startSims([{ models: [MODEL], ...FAST }]);
    const [a] = sims as [SimServer];
    // Interval 3600 s: after the start-up round the next probe is an hour away.
    router = await startTestRouter({ backends: [{ model_name: MODEL, api_base: a }] });
    const { running, config } = router;
    await writeFile(
      config.configPath,
      JSON.stringify(
        mergeConfig(defaultMainConfig(), { health_check: { interval: 0.1, timeout: 0.5 } }),
        null,
        2,
      ),
    );
    await running.reload();
    await a.stop();
    expect(
      await waitFor(
        async () => (await running.router.view()).backends.every((backend) => !backend.healthy),
        3000,
      ),
    ).toBe(true);
  });

  it('config.yaml reload switches routing.strategy live and keeps every backend counter', async () => {
    // A fails its start-up probe, so the 5 streams below all land on B.
    sims = await startSims([
      { models: [MODEL], ...FAST, faults: { modelsStatus: 503 } },
      { models: [MODEL], ttftMs: 5, tokensPerSecond: 5 },
    ]);
    const [a, b] = sims as [SimServer, SimServer];
    const id = (sim: SimServer) => `${MODEL}@${sim.url}`;
    router = await startTestRouter({
      main: { routing: { strategy: 'simple-shuffle' } },
      backends: [
        { model_name: MODEL, api_base: a },
        { model_name: MODEL, api_base: b },
      ],
    });
    const { url, running, config } = router;
    const streams = await Promise.all(Array.from({ length: 5 }, () => openStream(url, MODEL, 25)));
    expect(new Set(streams.map((stream) => stream.backend))).toEqual(new Set([id(b)]));
    a.setFaults({ modelsStatus: undefined });
    await running.router.probe();

    // simple-shuffle ignores load: with equal weights both get some of 16 short requests (P(miss) = 2^-15).
    const shuffled = [];
    for (let i = 0; i < 16; i++) shuffled.push(await postChat(url, chatBody(MODEL, 1)));
    expect(new Set(shuffled.map((reply) => reply.headers.get('x-llm-router-backend')))).toEqual(
      new Set([id(a), id(b)]),
    );

    const before = await running.router.view();
    await writeFile(
      config.configPath,
      JSON.stringify(
        mergeConfig(defaultMainConfig(), { routing: { strategy: 'least-connections' } }),
        null,
        2,
      ),
    );
    await running.reload();
    expect(running.router.config.routing.strategy).toBe('least-connections');
    expect((await dashboard(url)).system.strategy).toBe('least-connections');
    const after = await running.router.view();
    for (const live of before.backends) {
      expect(after.backends.find((v) => v.id === live.id)).toMatchObject({
        attempts: live.attempts,
        successes: live.successes,
        healthy: live.healthy,
      });
    }

    // least-connections: B holds 5 open streams, A none, so every short request goes to A.
    for (let i = 0; i < 10; i++) {
      const reply = await postChat(url, chatBody(MODEL, 1));
      expect(reply.headers.get('x-llm-router-backend')).toBe(id(a));
    }

    // A broken config.yaml is reported and the running settings stay.
    await writeFile(config.configPath, 'routing:\n  strategy: fastest-please\n');
    await running.reload();
    expect(running.router.config.routing.strategy).toBe('least-connections');
    expect((await dashboard(url)).config_errors).toEqual([
      expect.objectContaining({ file: config.configPath }),
    ]);
    const results = await Promise.all(streams.map((stream) => stream.result));
    expect(results.every((r) => r.done && r.tokens === 25)).toBe(true);
  });
});

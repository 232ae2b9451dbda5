import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningRouter, startRouter } from '../../adapters/node/start-router.ts';
import { parseBackendFile } from '../../src/config/parse-backend-file.ts';
import { type SimServer, startSimServer } from '../../tools/sim/index.ts';
import { backendYaml, routerFor } from '../support/core-router.ts';
import { FakeClock } from '../support/fake-clock.ts';
import {
  backendFileYaml,
  type ConfigDir,
  closeAll,
  inferenceCount,
  startSims,
  startTestRouter,
  type TestRouter,
  waitFor,
  writeConfigDir,
} from '../support/router-fixture.ts';
import { capturingLogger, chatBody, dashboard, postChat, sleep } from './support.ts';

const MODEL = 'race-model';
const FAST = { ttftMs: 1, tokensPerSecond: 1000 } as const;
const id = (sim: SimServer) => `${MODEL}@${sim.url}`;

/** Hot reload where timing or the filesystem works against it (SPEC §7). */
describe('hot reload races', () => {
  let sims: SimServer[] = [];
  let router: TestRouter | undefined;
  let running: RunningRouter | undefined;
  let dir: ConfigDir | undefined;

  afterEach(async () => {
    await router?.close();
    router = undefined;
    await running?.close(0);
    running = undefined;
    await dir?.remove();
    dir = undefined;
    await closeAll(sims);
    sims = [];
  });

  it('an unreadable backend directory is reported and keeps the running pool', async () => {
    sims = await startSims([{ models: [MODEL], ...FAST }]);
    const [a] = sims as [SimServer];
    dir = await writeConfigDir({ main: { backends: { config_dir: 'backends' } }, backends: [] });
    const backendDir = join(dir.dir, 'backends');
    await mkdir(backendDir);
    await writeFile(
      join(backendDir, 'self_deployed_a.yaml'),
      backendFileYaml([{ model_name: MODEL, api_base: a }]),
    );
    const log = capturingLogger();
    running = await startRouter({
      configPath: dir.configPath,
      port: 0,
      host: '127.0.0.1',
      log,
      reload: { watch: false, pollMs: 3_600_000 },
    });
    expect(running.router.snapshot.backends.map((b) => b.id)).toEqual([id(a)]);

    // A remount in progress, a volume gone: the listing fails, which must not read as "every file deleted".
    await rename(backendDir, `${backendDir}.away`);
    for (let i = 0; i < 3; i++) await running.reload();
    expect(running.router.snapshot.backends.map((b) => b.id)).toEqual([id(a)]);
    expect((await postChat(running.url, chatBody(MODEL, 1))).status).toBe(200);
    const errors = running.router.configStatus.list();
    expect(errors).toEqual([expect.objectContaining({ file: backendDir })]);
    expect(errors[0]?.message).toMatch(/cannot read backend directory: ENOENT/);
    expect(log.lines.filter((line) => line.message.startsWith('config rejected'))).toHaveLength(1);

    await rename(`${backendDir}.away`, backendDir);
    await running.reload();
    expect(running.router.configStatus.list()).toEqual([]);
    expect(running.router.snapshot.backends.map((b) => b.id)).toEqual([id(a)]);
    expect(log.lines.filter((line) => line.message === 'backend file reloaded')).toEqual([]);
  });

  it('a file event during a stalled rewrite (truncated for longer than the debounce) never drops its backends', async () => {
    sims = await startSims([{ models: [MODEL], ...FAST }]);
    const [a] = sims as [SimServer];
    dir = await writeConfigDir({ backends: [{ model_name: MODEL, api_base: a }] });
    running = await startRouter({
      configPath: dir.configPath,
      port: 0,
      host: '127.0.0.1',
      log: capturingLogger(),
      reload: { watch: true, pollMs: 3_600_000, debounceMs: 50 },
    });
    const ids = () => running?.router.snapshot.backends.map((b) => b.id);
    const file = await open(dir.backendPath, 'w');
    // The truncation fires an event; the text arrives ten debounces later.
    let emptied = false;
    const watching = setInterval(() => {
      if (ids()?.length === 0) emptied = true;
    }, 5);
    await sleep(500);
    await file.writeFile(backendFileYaml([{ model_name: MODEL, api_base: a, weight: 2 }]));
    await file.close();
    expect(await waitFor(() => running?.router.snapshot.backends[0]?.weight === 2, 4000)).toBe(true);
    clearInterval(watching);
    expect(emptied).toBe(false);
    expect(ids()).toEqual([id(a)]);
  });

  describe('polling only (no file events)', () => {
    const start = async () => {
      sims = await startSims([{ models: [MODEL], ...FAST }]);
      const [a] = sims as [SimServer];
      dir = await writeConfigDir({ backends: [{ model_name: MODEL, api_base: a }] });
      const log = capturingLogger();
      running = await startRouter({
        configPath: dir.configPath,
        port: 0,
        host: '127.0.0.1',
        log,
        reload: { watch: false, pollMs: 50, debounceMs: 300 },
      });
      const reloads = () => log.lines.filter((line) => line.message === 'backend file reloaded');
      const weight = () => running?.router.snapshot.backends[0]?.weight;
      return { a, backendPath: dir.backendPath, reloads, weight };
    };

    it('a file seen empty mid-rewrite (truncate, then write) never removes its backends', async () => {
      const { a, backendPath, reloads, weight } = await start();
      const rewritten = backendFileYaml([{ model_name: MODEL, api_base: a, weight: 2 }]);
      const file = await open(backendPath, 'w');
      // Truncated: several polls (50 ms apart) read it empty before the text arrives.
      await sleep(200);
      await file.writeFile(rewritten);
      await file.close();
      expect(await waitFor(() => weight() === 2, 4000)).toBe(true);
      await sleep(400);
      expect(reloads().map((line) => line.fields)).toEqual([
        expect.objectContaining({ added: 0, removed: 0, changed: 1 }),
      ]);
    });

    it('a file emptied on purpose is applied once it has stayed empty for a moment', async () => {
      const { backendPath, reloads } = await start();
      await writeFile(backendPath, '');
      expect(await waitFor(() => running?.router.snapshot.backends.length === 0, 5000)).toBe(true);
      expect(reloads().map((line) => line.fields)).toEqual([expect.objectContaining({ removed: 1 })]);
    });

    it('a burst of writes is applied once, as its last version', async () => {
      const { a, backendPath, reloads, weight } = await start();
      for (let w = 2; w <= 7; w++) {
        await writeFile(backendPath, backendFileYaml([{ model_name: MODEL, api_base: a, weight: w }]));
        await sleep(20);
      }
      expect(await waitFor(() => weight() === 7, 4000)).toBe(true);
      await sleep(400);
      expect(reloads()).toHaveLength(1);
      expect(await readFile(backendPath, 'utf8')).toContain('"weight": 7');
    });
  });

  it('new backends whose /models probe is slow get no request until it passes, re-added ones included', async () => {
    // X serves at start and is removed while a probe of it is in flight, then re-added; Y is new.
    sims = await startSims([
      { models: [MODEL], ...FAST },
      { models: [MODEL], ...FAST },
      { models: [MODEL], ...FAST, faults: { slowFirstByteMs: 1500 } },
    ]);
    const [a, x, y] = sims as [SimServer, SimServer, SimServer];
    router = await startTestRouter({
      backends: [
        { model_name: MODEL, api_base: a },
        { model_name: MODEL, api_base: x },
      ],
    });
    const { url, config } = router;
    const live = router.running;
    let probingX = false;
    x.events.on('request', (info: { path: string }) => {
      if (info.path === '/v1/models') probingX = true;
    });
    x.setFaults({ slowFirstByteMs: 1500 });
    const lateProbe = live.router.probe();
    expect(await waitFor(() => probingX, 2000)).toBe(true);
    await writeFile(config.backendPath, backendFileYaml([{ model_name: MODEL, api_base: a }]));
    await live.reload();
    expect(live.router.snapshot.backends.map((b) => b.id)).toEqual([id(a)]);
    // X's probe passes after X was removed: that must not leave a healthy record behind for X.
    await lateProbe;

    await writeFile(
      config.backendPath,
      backendFileYaml([
        { model_name: MODEL, api_base: a },
        { model_name: MODEL, api_base: x },
        { model_name: MODEL, api_base: y },
      ]),
    );
    let probed = false;
    const reloading = live.reload().then(() => {
      probed = true;
    });
    expect(await waitFor(() => live.router.snapshot.get(id(y)) !== undefined, 2000)).toBe(true);
    const replies = await Promise.all(Array.from({ length: 20 }, () => postChat(url, chatBody(MODEL, 1))));
    expect(probed).toBe(false);
    expect(replies.map((reply) => reply.status)).toEqual(Array(20).fill(200));
    expect(inferenceCount(x)).toBe(0);
    expect(inferenceCount(y)).toBe(0);
    expect((await dashboard(url)).backends.filter((b) => b.healthy).map((b) => b.id)).toEqual([id(a)]);

    await reloading;
    x.setFaults({ slowFirstByteMs: 0 });
    y.setFaults({ slowFirstByteMs: 0 });
    const after = await Promise.all(Array.from({ length: 30 }, () => postChat(url, chatBody(MODEL, 1))));
    expect(after.every((reply) => reply.status === 200)).toBe(true);
    expect(inferenceCount(x)).toBeGreaterThan(0);
    expect(inferenceCount(y)).toBeGreaterThan(0);
  });

  it('every backend in the pool snapshot is already known to the state, unhealthy until probed', async () => {
    sims = await Promise.all(['r1', 'r2', 'r3'].map((model) => startSimServer({ models: [model], ...FAST })));
    const [s1, s2, s3] = sims as [SimServer, SimServer, SimServer];
    const clock = new FakeClock();
    const core = await routerFor(backendYaml([{ url: s1.url, weight: 1, model: 'r1' }]), '', clock);
    const { backends } = parseBackendFile(
      backendYaml([
        { url: s1.url, weight: 1, model: 'r1' },
        { url: s2.url, weight: 1, model: 'r2' },
        { url: s3.url, weight: 1, model: 'r3' },
      ]),
      'self_deployed.yaml',
      { source: 'self_deployed', secrets: () => undefined, skipMetricsSources: [] },
    );
    const applying = core.applyBackendFile('self_deployed.yaml', backends, false);
    // Look at every microtask turn until the swap and well past it (registering takes an await per
    // model; the probe after it needs I/O, so no turn here can reach its end).
    const unknown: string[] = [];
    let swapped = false;
    for (let turn = 0; turn < 200; turn++) {
      const snapshot = core.snapshot;
      const view = await core.view();
      const known = new Map(view.backends.map((b) => [b.id, b]));
      swapped ||= snapshot.backends.length === 3;
      for (const backend of snapshot.backends) {
        const live = known.get(backend.id);
        if (!live) unknown.push(backend.id);
        else if (backend.modelName !== 'r1' && !live.probed) expect(live.healthy).toBe(false);
      }
    }
    expect(swapped).toBe(true);
    expect(unknown).toEqual([]);
    await applying;
    expect((await core.view()).backends.every((b) => b.healthy)).toBe(true);
  });
});

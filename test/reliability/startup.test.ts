import { readFile, stat } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningRouter, startRouter } from '../../adapters/node/start-router.ts';
import type { SimServer } from '../../tools/sim/index.ts';
import { type ConfigDir, closeAll, startSims, waitFor, writeConfigDir } from '../support/router-fixture.ts';
import { capturingLogger, chatBody, dashboard, postChat, refusedApiBase } from './support.ts';

async function getJson(url: string): Promise<{ status: number; body: { status?: string; reason?: string } }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as { status?: string; reason?: string } };
}

/** Issue 4 item 3: the port opens at once, /ready follows the first probe round, pruning never touches files. */
describe('startup and readiness', () => {
  let sims: SimServer[] = [];
  let running: RunningRouter | undefined;
  let dir: ConfigDir | undefined;

  afterEach(async () => {
    await running?.close(0);
    running = undefined;
    await closeAll(sims);
    sims = [];
    await dir?.remove();
    dir = undefined;
  });

  it('serves /health at once and answers /ready 503 until the first probe round is done, then 200', async () => {
    // /v1/models takes 1.5 s to answer, so the first round does too.
    sims = await startSims([{ models: ['ready-model'], ttftMs: 1, faults: { slowFirstByteMs: 1500 } }]);
    dir = await writeConfigDir({ backends: [{ model_name: 'ready-model', api_base: sims[0]! }] });
    const started = Date.now();
    running = await startRouter({
      configPath: dir.configPath,
      port: 0,
      host: '127.0.0.1',
      log: capturingLogger(),
    });
    // Listening before any probe answered.
    expect(Date.now() - started).toBeLessThan(1200);
    expect((await getJson(`${running.url}/health`)).status).toBe(200);
    const early = await getJson(`${running.url}/ready`);
    expect(early).toEqual({
      status: 503,
      body: { status: 'not_ready', reason: 'first health check round has not finished' },
    });
    const url = running.url;
    expect(await waitFor(async () => (await getJson(`${url}/ready`)).status === 200, 5000, 50)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect((await getJson(`${url}/ready`)).body).toEqual({ status: 'ready', reason: '1 healthy backend(s)' });
  });

  it('/ready stays 503 after the first round when no backend is healthy', async () => {
    const dead = await refusedApiBase();
    sims = [dead.sim];
    dir = await writeConfigDir({ backends: [{ model_name: 'dead-model', api_base: dead.url }] });
    running = await startRouter({
      configPath: dir.configPath,
      port: 0,
      host: '127.0.0.1',
      log: capturingLogger(),
    });
    const url = running.url;
    expect(
      await waitFor(
        async () => (await getJson(`${url}/ready`)).body.reason === 'no healthy backends',
        5000,
        20,
      ),
    ).toBe(true);
    expect((await getJson(`${url}/ready`)).status).toBe(503);
  });

  it('prune_unhealthy_on_start drops the dead backend from the live pool and leaves the YAML byte-identical', async () => {
    const dead = await refusedApiBase();
    sims = [dead.sim, ...(await startSims([{ models: ['live-model'], ttftMs: 1 }]))];
    const live = sims[1]!;
    dir = await writeConfigDir({
      main: { health_check: { prune_unhealthy_on_start: true } },
      backends: [
        { model_name: 'live-model', api_base: live },
        { model_name: 'live-model', api_base: dead.url },
        { model_name: 'gone-model', api_base: dead.url },
      ],
    });
    const bytesBefore = await readFile(dir.backendPath);
    const mtimeBefore = (await stat(dir.backendPath)).mtimeMs;
    const log = capturingLogger();
    running = await startRouter({ configPath: dir.configPath, port: 0, host: '127.0.0.1', log });
    const url = running.url;
    const liveId = `live-model@${live.url}`;
    expect(
      await waitFor(async () => (await dashboard(url)).backends.map((b) => b.id).join() === liveId, 5000, 20),
    ).toBe(true);
    const warning = log.lines.find((line) => line.message.startsWith('pruned backends'));
    expect(warning?.level).toBe('warn');
    expect(String(warning?.fields.backends)).toContain(`gone-model@${dead.url}`);
    expect(String(warning?.fields.backends)).toContain(`live-model@${dead.url}`);
    expect((await getJson(`${url}/ready`)).status).toBe(200);
    expect((await postChat(url, chatBody('live-model', 1))).status).toBe(200);

    // A reload of the unchanged file does not bring the pruned entries back, and nothing was written.
    await running.reload();
    expect((await dashboard(url)).backends.map((b) => b.id)).toEqual([liveId]);
    expect((await readFile(dir.backendPath)).equals(bytesBefore)).toBe(true);
    expect((await stat(dir.backendPath)).mtimeMs).toBe(mtimeBefore);
  });
});

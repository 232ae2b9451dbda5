import type { Socket } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startRouter } from '../../adapters/node/start-router.ts';
import type { SimServer } from '../../tools/sim/index.ts';
import { answers200, type CliProcess, freePort, killAllCli, spawnCli } from '../support/cli.ts';
import { type ConfigDir, closeAll, startSims, waitFor, writeConfigDir } from '../support/router-fixture.ts';
import { capturingLogger, type OpenStream, openStream, tryConnect } from './support.ts';

const MODEL = 'term-model';

/** Issue 4 item 6: SIGTERM drains in-flight streams up to server.shutdown_grace, then exits 0. */
describe('graceful shutdown of the real process', () => {
  let sims: SimServer[] = [];
  let dirs: ConfigDir[] = [];

  afterEach(async () => {
    await killAllCli();
    await closeAll(sims);
    sims = [];
    await Promise.all(dirs.map((dir) => dir.remove()));
    dirs = [];
  });

  afterAll(() => killAllCli());

  async function startProcess(grace: number): Promise<{ proc: CliProcess; url: string; port: number }> {
    const port = await freePort();
    const dir = await writeConfigDir({
      main: { server: { shutdown_grace: grace }, log: { level: 'warn' } },
      backends: sims.map((sim) => ({ model_name: MODEL, api_base: sim })),
    });
    dirs.push(dir);
    const proc = spawnCli(['-config', dir.configPath, '-port', String(port)]);
    const url = `http://127.0.0.1:${port}`;
    const ready = await answers200(url, '/ready', 15_000);
    expect(ready, `router did not become ready; stderr:\n${proc.stderr()}`).toBe(true);
    return { proc, url, port };
  }

  it('finishes all 50 open streams, refuses new connections, and exits 0 within the grace', async () => {
    // 30 tokens at 20 tokens/s: each stream runs ~1.5 s.
    sims = await startSims([
      { models: [MODEL], ttftMs: 10, tokensPerSecond: 20 },
      { models: [MODEL], ttftMs: 10, tokensPerSecond: 20 },
    ]);
    const { proc, url, port } = await startProcess(10);
    const streams: OpenStream[] = await Promise.all(
      Array.from({ length: 50 }, () => openStream(url, MODEL, 30)),
    );
    await Promise.all(streams.map((stream) => stream.firstEvent));

    const signalledAt = Date.now();
    proc.child.kill('SIGTERM');
    expect(await waitFor(() => proc.stderr().includes('SIGTERM received'), 5000, 5)).toBe(true);
    // The listener is closed: a new TCP connection is refused outright.
    const attempt = await tryConnect(port);
    if (typeof attempt !== 'string') (attempt as Socket).destroy();
    expect(attempt).toBe('ECONNREFUSED');

    const results = await Promise.all(streams.map((stream) => stream.result));
    expect(results.filter((r) => !r.done || r.tokens !== 30 || r.error !== null)).toEqual([]);
    expect(await proc.exited).toBe(0);
    const exitMs = Date.now() - signalledAt;
    // Waited for the streams (~1.5 s each), not for the whole 10 s grace.
    expect(exitMs).toBeLessThan(9000);
    const stats = sims.map((sim) => sim.stats());
    expect(stats.reduce((sum, s) => sum + s.completed, 0)).toBe(50);
    expect(stats.reduce((sum, s) => sum + s.cancelled, 0)).toBe(0);
  });

  it('aborts streams that outlast shutdown_grace, cancels them upstream, and still exits 0', async () => {
    // 50 tokens at 10 tokens/s: ~5 s, far beyond the 1 s grace.
    sims = await startSims([{ models: [MODEL], ttftMs: 10, tokensPerSecond: 10 }]);
    const [sim] = sims as [SimServer];
    const { proc, url } = await startProcess(1);
    const streams: OpenStream[] = await Promise.all(
      Array.from({ length: 10 }, () => openStream(url, MODEL, 50)),
    );
    await Promise.all(streams.map((stream) => stream.firstEvent));

    const signalledAt = Date.now();
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    const exitMs = Date.now() - signalledAt;
    expect(exitMs).toBeGreaterThanOrEqual(900);
    expect(exitMs).toBeLessThan(4000);
    expect(proc.stderr()).toMatch(/grace period over, aborting open requests/);

    const results = await Promise.all(streams.map((stream) => stream.result));
    expect(results.every((r) => !r.done && r.tokens > 0 && r.tokens < 50)).toBe(true);
    // The GPU stops: every upstream generation was cancelled, none completed.
    expect(await waitFor(() => sim.stats().cancelled === 10, 2000)).toBe(true);
    expect(sim.stats().completed).toBe(0);
    expect(sim.stats().running).toBe(0);
  });

  it('a health probe stuck on a hung backend does not hold the exit past the grace', async () => {
    // /models hangs for 30 s; the probe timeout is 8 s, so the start-up round is still waiting at close.
    sims = await startSims([{ models: [MODEL], faults: { slowFirstByteMs: 30_000 } }]);
    const dir = await writeConfigDir({
      main: { health_check: { timeout: 8 } },
      backends: [{ model_name: MODEL, api_base: sims[0]! }],
    });
    dirs.push(dir);
    const log = capturingLogger();
    const running = await startRouter({ configPath: dir.configPath, port: 0, host: '127.0.0.1', log });
    expect(await waitFor(() => sims[0]!.stats().byPath['/v1/models'] === 1, 2000)).toBe(true);
    const started = Date.now();
    await running.close(500);
    expect(Date.now() - started).toBeLessThan(2000);
    // The aborted probe is not reported as the backend going down.
    expect(log.lines.filter((line) => line.message === 'backend unhealthy')).toEqual([]);
  });
});

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../tools/sim/index.ts';
import { answers200, type CliProcess, freePort, killAllCli, spawnCli } from '../support/cli.ts';
import { type ConfigDir, closeAll, startSims, waitFor, writeConfigDir } from '../support/router-fixture.ts';
import {
  type ConcurrencyProbe,
  chatBody,
  type OpenStream,
  openStream,
  postChat,
  trackConcurrency,
} from './support.ts';

/** Pids whose parent is `pid` (the cluster's workers). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid ...": comm may hold spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return children;
}

/** Open sockets of a process (client connections and upstream ones alike). */
function socketCount(pid: number): number {
  let count = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) count++;
    } catch {
      // Closed meanwhile.
    }
  }
  return count;
}

interface DashboardBackends {
  readonly requests: { readonly inflight: number };
  readonly backends: readonly { readonly model_name: string; readonly connections: number }[];
}

async function connectionsOf(url: string, model: string): Promise<number> {
  const res = await fetch(`${url}/api/dashboard`);
  const body = (await res.json()) as DashboardBackends;
  return body.backends.find((backend) => backend.model_name === model)?.connections ?? -1;
}

/**
 * Issue 15: `server.workers: 2` in the real process. The limits hold across the workers because the
 * primary owns the one state; a killed worker's attempts are released at once; SIGTERM drains both.
 */
describe('server.workers: 2 (Node cluster, the real process)', () => {
  let sims: SimServer[] = [];
  let dir: ConfigDir;
  let proc: CliProcess;
  let url: string;
  let streamSim: SimServer;
  let concurrency: ConcurrencyProbe;

  beforeAll(async () => {
    sims = await startSims([
      { models: ['rpm'], ttftMs: 1 },
      { models: ['conc'], ttftMs: 20, tokensPerSecond: 100 },
      { models: ['stream'], ttftMs: 5, tokensPerSecond: 20 },
    ]);
    const [rpmSim, concSim, stream] = sims as [SimServer, SimServer, SimServer];
    streamSim = stream;
    concurrency = trackConcurrency(concSim);
    const port = await freePort();
    dir = await writeConfigDir({
      // Info: the supervisor's "listening" line, logged once every worker listens.
      main: { server: { workers: 2, shutdown_grace: 10 }, log: { level: 'info' } },
      backends: [
        { model_name: 'rpm', api_base: rpmSim, rpm_limit: 5 },
        { model_name: 'conc', api_base: concSim, max_concurrency: 2 },
        { model_name: 'stream', api_base: streamSim, max_concurrency: 12 },
      ],
    });
    proc = spawnCli(['-config', dir.configPath, '-port', String(port)]);
    url = `http://127.0.0.1:${port}`;
    const ready = await answers200(url, '/ready', 30_000);
    expect(ready, `router did not become ready; stderr:\n${proc.stderr()}`).toBe(true);
    // The first worker serves the port before the second listens (a loaded machine compiles slowly).
    expect(await waitFor(() => proc.stderr().includes('llm-router listening'), 30_000, 20)).toBe(true);
  }, 70_000);

  afterAll(async () => {
    concurrency?.stop();
    await killAllCli();
    await closeAll(sims);
    await dir?.remove();
  });

  it('runs two workers that both serve', async () => {
    const workers = childrenOf(proc.child.pid ?? 0);
    expect(workers).toHaveLength(2);
    const before = workers.map(socketCount);
    // Each stream is its own connection; the cluster hands connections to the free workers in turn
    // (opened one at a time: a burst goes to whichever worker takes its connections first).
    const streams: OpenStream[] = [];
    for (let i = 0; i < 8; i++) streams.push(await openStream(url, 'stream', 20));
    await Promise.all(streams.map((stream) => stream.firstEvent));
    const during = workers.map(socketCount);
    const results = await Promise.all(streams.map((stream) => stream.result));
    expect(results.filter((result) => !result.done || result.error !== null)).toEqual([]);
    // A stream held by a worker is two sockets there: the client's and the upstream one.
    for (const [i, count] of during.entries()) expect(count - before[i]!).toBeGreaterThanOrEqual(2);
  });

  it('rpm_limit 5: exactly 5 of 30 concurrent requests go through, whichever worker takes them', async () => {
    const replies = await Promise.all(Array.from({ length: 30 }, () => postChat(url, chatBody('rpm', 2))));
    const statuses = replies.map((reply) => reply.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(25);
  });

  it('the dashboard and /metrics show the whole router, whichever worker answers', async () => {
    // One connection each: the cluster alternates them over the workers.
    for (let i = 0; i < 4; i++) {
      const body = (await (await fetch(`${url}/api/dashboard`)).json()) as {
        requests: { total: number; rejected: number };
        backends: { model_name: string; send_rpm: number }[];
      };
      expect(body.backends.find((backend) => backend.model_name === 'rpm')?.send_rpm).toBe(5);
      expect(body.requests.total).toBeGreaterThanOrEqual(38);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/llm_router_backend_send_rpm\{[^}]*model="rpm"[^}]*\} 5/);
    }
  });

  it('max_concurrency 2 is never exceeded at the backend under 50 concurrent requests', async () => {
    const replies = await Promise.all(Array.from({ length: 50 }, () => postChat(url, chatBody('conc', 3))));
    expect(replies.filter((reply) => reply.status !== 200).map((reply) => reply.text)).toEqual([]);
    expect(concurrency.peak()).toBe(2);
  });

  it('SIGKILL of a worker loses only its open requests, releases their slots at once, and restarts it', async () => {
    const [victim] = childrenOf(proc.child.pid ?? 0) as [number];
    // 40 tokens at 20 tokens/s: ~2 s each, all 12 slots of max_concurrency taken.
    const streams: OpenStream[] = await Promise.all(
      Array.from({ length: 12 }, () => openStream(url, 'stream', 40)),
    );
    await Promise.all(streams.map((stream) => stream.firstEvent));
    const ended: boolean[] = streams.map(() => false);
    for (const [i, stream] of streams.entries()) void stream.result.then(() => (ended[i] = true));
    process.kill(victim, 'SIGKILL');
    // The victim's clients see their connection cut at once; the others stream on, and while they do
    // the backend already shows only theirs: the primary released the victim's attempts.
    let cut = 0;
    const releasedAtOnce = await waitFor(
      async () => {
        cut = ended.filter(Boolean).length;
        return cut > 0 && (await connectionsOf(url, 'stream')) === 12 - cut;
      },
      1500,
      20,
    );
    expect(releasedAtOnce).toBe(true);
    expect(ended.filter(Boolean).length).toBeLessThan(12);
    const results = await Promise.all(streams.map((stream) => stream.result));
    const failed = results.filter((result) => !result.done);
    const completed = results.filter(
      (result) => result.done && result.error === null && result.tokens === 40,
    );
    expect(failed).toHaveLength(cut);
    expect(completed).toHaveLength(12 - cut);
    // Nothing left behind: the backend shows no connection, and all 12 slots take new streams at once.
    expect(await waitFor(async () => (await connectionsOf(url, 'stream')) === 0, 3000, 50)).toBe(true);
    expect(await waitFor(() => childrenOf(proc.child.pid ?? 0).length === 2, 10_000, 50)).toBe(true);
    expect(childrenOf(proc.child.pid ?? 0)).not.toContain(victim);
    const started = streamSim.stats().completed;
    const again = await Promise.all(Array.from({ length: 12 }, () => openStream(url, 'stream', 2)));
    expect(again.map((stream) => stream.status)).toEqual(Array(12).fill(200));
    await Promise.all(again.map((stream) => stream.result));
    expect(streamSim.stats().completed - started).toBe(12);
  }, 30_000);

  it('SIGTERM with open streams on both workers completes them all and exits 0', async () => {
    const streams = await Promise.all(Array.from({ length: 6 }, () => openStream(url, 'stream', 20)));
    await Promise.all(streams.map((stream) => stream.firstEvent));
    proc.child.kill('SIGTERM');
    const results = await Promise.all(streams.map((stream) => stream.result));
    expect(results.filter((result) => !result.done || result.tokens !== 20 || result.error !== null)).toEqual(
      [],
    );
    expect(await proc.exited).toBe(0);
  }, 20_000);
});

/**
 * What sharing the state costs (issue 15), in one run, in front of the same trivial backend:
 *   one      the router as one process (state in memory)
 *   workers2 server.workers: 2 (the primary owns the state; workers reach it over IPC)
 *   redis2   two router processes (workers: 1) sharing one Redis (state.store: redis); the load is split
 *            evenly over them by two load generators
 * Non-streaming load at concurrency 64 for --duration seconds: router CPU per request (every process of
 * the target: primary and workers, or both replicas; Redis's own CPU is shown apart) and added latency
 * against the backend directly. Then --streams concurrent SSE streams (20 events 50 ms apart, opened
 * over 500 ms): added time to first byte and router CPU per stream.
 *
 *   npx tsx bench/scale.ts [--duration 15] [--concurrency 64] [--streams 1000] [--targets one,workers2,redis2]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { SideReport } from '../tools/bench/index.ts';
import { BENCH_MODEL } from './lib/bodies.ts';
import { type Child, spawnChild, waitForHttp } from './lib/children.ts';
import { runLlmBench } from './lib/llm-bench.ts';
import { REPO_DIR } from './lib/paths.ts';
import { freePort } from './lib/ports.ts';
import { cpuMicros, treeCpuMicros } from './lib/proc-stats.ts';
import { writeResult } from './lib/results.ts';
import { writeRouterConfig } from './lib/router-config.ts';
import { ForeignLoad } from './lib/system-cpu.ts';
import { fmt, printTable, signed, verdict } from './lib/table.ts';
import { startFleet } from './lib/targets.ts';

const NAMES = ['one', 'split2', 'workers2', 'redis2'] as const;
type Name = (typeof NAMES)[number];

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '64' },
    streams: { type: 'string', default: '1000' },
    targets: { type: 'string', default: NAMES.join(',') },
  },
});
const duration = Number(values.duration);
const concurrency = Number(values.concurrency);
const streams = Number(values.streams);
const selected = values.targets.split(',').map((name) => name.trim()) as Name[];
for (const name of selected) if (!NAMES.includes(name)) throw new Error(`unknown target "${name}"`);

interface ScaleTarget {
  readonly name: Name | 'direct';
  /** Where load goes: one URL, or one per replica (the load is split evenly). */
  readonly urls: readonly string[];
  /** CPU (µs) of the router processes. */
  routerCpu(): number;
  /** CPU (µs) of the shared store (Redis), 0 where there is none. */
  storeCpu(): number;
}

interface Measured {
  readonly requests: number;
  readonly failed: number;
  readonly p50: number;
  readonly p99: number;
  readonly routerCpuUs: number;
  readonly storeCpuUs: number;
  readonly foreignCores: number;
}

/** Runs the same flags against every URL of the target at once (concurrency split) and merges. */
async function load(
  target: ScaleTarget,
  flags: (share: number) => string[],
  total: number,
): Promise<Measured> {
  const cpu0 = target.routerCpu();
  const store0 = target.storeCpu();
  const foreign = new ForeignLoad();
  const share = Math.floor(total / target.urls.length);
  const reports: SideReport[] = await Promise.all(
    target.urls.map((url) => runLlmBench(['--url', url, '--model', BENCH_MODEL, ...flags(share)])),
  );
  const foreignCores = foreign.stop();
  const routerCpuUs = target.routerCpu() - cpu0;
  const storeCpuUs = target.storeCpu() - store0;
  const requests = reports.reduce((sum, r) => sum + r.requests.ok, 0);
  const failed = reports.reduce((sum, r) => sum + r.requests.total - r.requests.ok, 0);
  const pick = (r: SideReport) => (flags(1).includes('--stream') ? r.ttft_ms : r.latency_ms);
  // Two generators' percentiles: the p50s are averaged, the worse p99 is kept (both saw the same load).
  const p50 = reports.reduce((sum, r) => sum + (pick(r).p50 ?? Number.NaN), 0) / reports.length;
  const p99 = Math.max(...reports.map((r) => pick(r).p99 ?? Number.NaN));
  return { requests, failed, p50, p99, routerCpuUs, storeCpuUs, foreignCores };
}

const nonStreaming = (share: number) => [
  '--concurrency',
  String(share),
  '--duration',
  String(duration),
  '--warmup',
  '2',
  '--no-stream',
  '--prompt-tokens',
  '50',
  '--timeout',
  '30',
];
const streaming = (share: number) => [
  '--concurrency',
  String(share),
  '--requests',
  String(share),
  '--ramp-up',
  '0.5',
  '--stream',
  '--prompt-tokens',
  '50',
  '--timeout',
  '60',
];

const tmp = mkdtempSync(join(tmpdir(), 'llm-router-scale-'));
const children: Child[] = [];
let redisPid = 0;
const fleet = await startFleet({ targets: ['direct'], backend: { sseEvents: 20, sseGapMs: 50 } });
const backendUrl = fleet.backend.url;

async function router(name: string, options: { workers?: number; redisUrl?: string }): Promise<Child> {
  const port = await freePort();
  const configPath = writeRouterConfig(join(tmp, name), backendUrl, options);
  const child = spawnChild({
    name,
    command: process.execPath,
    args: [join(REPO_DIR, 'bin/llm-router.mjs'), '-config', configPath, '-port', String(port)],
    raiseNoFile: true,
  });
  children.push(child);
  await waitForHttp(child, `http://127.0.0.1:${port}/ready`, 30_000);
  return Object.assign(child, { url: `http://127.0.0.1:${port}` });
}

async function startTarget(name: Name): Promise<ScaleTarget> {
  if (name === 'split2') {
    const replicas = [
      (await router('split-a', {})) as Child & { url: string },
      (await router('split-b', {})) as Child & { url: string },
    ];
    return {
      name,
      urls: replicas.map((replica) => replica.url),
      routerCpu: () => replicas.reduce((sum, replica) => sum + cpuMicros(replica.pid), 0),
      storeCpu: () => 0,
    };
  }
  if (name === 'one' || name === 'workers2') {
    const child = (await router(name, { workers: name === 'one' ? 1 : 2 })) as Child & { url: string };
    return { name, urls: [child.url], routerCpu: () => treeCpuMicros(child.pid), storeCpu: () => 0 };
  }
  const port = await freePort();
  const redis = spawn(
    '/usr/bin/redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmp],
    { stdio: 'ignore' },
  );
  redisPid = redis.pid ?? 0;
  process.once('exit', () => redis.kill('SIGKILL'));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const redisUrl = `redis://127.0.0.1:${port}`;
  const replicas = [
    (await router('redis-a', { redisUrl })) as Child & { url: string },
    (await router('redis-b', { redisUrl })) as Child & { url: string },
  ];
  return {
    name,
    urls: replicas.map((replica) => replica.url),
    routerCpu: () => replicas.reduce((sum, replica) => sum + cpuMicros(replica.pid), 0),
    storeCpu: () => (redisPid ? cpuMicros(redisPid) : 0),
  };
}

let exitCode = 0;
try {
  const direct: ScaleTarget = {
    name: 'direct',
    urls: [backendUrl],
    routerCpu: () => 0,
    storeCpu: () => 0,
  };
  const targets: ScaleTarget[] = [direct];
  for (const name of selected) targets.push(await startTarget(name));
  process.stdout.write(
    `scale: ${duration} s of non-streaming load at concurrency ${concurrency}, then ${streams} SSE streams ` +
      `(20 events 50 ms apart, opened over 0.5 s); targets ${targets.map((t) => t.name).join(', ')}\n`,
  );
  const plain = new Map<string, Measured>();
  const streamed = new Map<string, Measured>();
  for (const target of targets) {
    plain.set(target.name, await load(target, nonStreaming, concurrency));
    process.stdout.write(`  ${target.name.padEnd(8)} non-streaming done\n`);
  }
  for (const target of targets) {
    streamed.set(target.name, await load(target, streaming, streams));
    process.stdout.write(`  ${target.name.padEnd(8)} ${streams} streams done\n`);
  }
  const base = plain.get('direct')!;
  const baseStreams = streamed.get('direct')!;
  const one = plain.get('one');
  const oneStreams = streamed.get('one');
  const perRequest = (m: Measured) => m.routerCpuUs / Math.max(1, m.requests);
  printTable(
    `non-streaming, concurrency ${concurrency} (latency ms; CPU µs per request)`,
    [
      'target',
      'requests',
      'failed',
      'p50',
      'p99',
      'added p50',
      'added p99',
      'router CPU/req',
      'x one',
      'Redis CPU/req',
      'other load',
    ],
    targets.map((t) => {
      const m = plain.get(t.name)!;
      const isRouter = t.name !== 'direct';
      return [
        t.name,
        String(m.requests),
        String(m.failed),
        fmt(m.p50, 2),
        fmt(m.p99, 2),
        isRouter ? signed(m.p50 - base.p50, 2) : '-',
        isRouter ? signed(m.p99 - base.p99, 2) : '-',
        isRouter ? fmt(perRequest(m), 1) : '-',
        isRouter && one ? fmt(perRequest(m) / perRequest(one), 2) : '-',
        t.name === 'redis2' ? fmt(m.storeCpuUs / Math.max(1, m.requests), 1) : '-',
        fmt(m.foreignCores, 2),
      ];
    }),
  );
  printTable(
    `${streams} SSE streams (TTFB ms; CPU µs per stream)`,
    [
      'target',
      'completed',
      'failed',
      'TTFB p50',
      'TTFB p99',
      'added p50',
      'added p99',
      'router CPU/stream',
      'other load',
    ],
    targets.map((t) => {
      const m = streamed.get(t.name)!;
      const isRouter = t.name !== 'direct';
      return [
        t.name,
        String(m.requests),
        String(m.failed),
        fmt(m.p50, 1),
        fmt(m.p99, 1),
        isRouter ? signed(m.p50 - baseStreams.p50, 1) : '-',
        isRouter ? signed(m.p99 - baseStreams.p99, 1) : '-',
        isRouter ? fmt(m.routerCpuUs / Math.max(1, m.requests), 0) : '-',
        fmt(m.foreignCores, 2),
      ];
    }),
  );
  const verdicts: string[] = [];
  const workers2 = plain.get('workers2');
  const redis2 = plain.get('redis2');
  if (one && workers2)
    verdicts.push(
      verdict(
        perRequest(workers2) <= 1.2 * perRequest(one),
        `workers: 2 CPU per request ${fmt(perRequest(workers2) / perRequest(one), 2)}x one process (target <= 1.2x)`,
      ),
    );
  if (one && redis2)
    verdicts.push(
      verdict(
        perRequest(redis2) <= 1.5 * perRequest(one),
        `store: redis (2 replicas) CPU per request ${fmt(perRequest(redis2) / perRequest(one), 2)}x one process (target <= 1.5x; Redis itself apart)`,
      ),
    );
  const workersStreams = streamed.get('workers2');
  if (oneStreams && workersStreams) {
    const addedOne = oneStreams.p99 - baseStreams.p99;
    const addedTwo = workersStreams.p99 - baseStreams.p99;
    verdicts.push(
      verdict(
        addedTwo < addedOne,
        `${streams} streams added TTFB p99: workers: 2 ${signed(addedTwo, 1)} ms vs one process ${signed(addedOne, 1)} ms (${fmt(addedOne - addedTwo, 1)} ms lower)`,
      ),
    );
  }
  const failures = [...plain.values(), ...streamed.values()].reduce((sum, m) => sum + m.failed, 0);
  verdicts.push(verdict(failures === 0, `failed requests: ${failures}`));
  process.stdout.write(`\n${verdicts.join('\n')}\n`);
  if (verdicts.some((line) => line.startsWith('FAIL'))) exitCode = 1;
  const path = writeResult('scale', {
    args: values,
    nonStreaming: Object.fromEntries(plain),
    streams: Object.fromEntries(streamed),
    verdicts,
  });
  process.stdout.write(`result: ${path}\n`);
} catch (error) {
  process.stderr.write(
    `scale failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  exitCode = 2;
} finally {
  await Promise.all(children.map((child) => child.stop('SIGTERM', 5000)));
  if (redisPid) process.kill(redisPid, 'SIGKILL');
  await fleet.close();
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(exitCode);

/**
 * Proxy overhead on non-streaming 1 KB chat requests: the router against the trivial backend directly,
 * the minimal node:http pipe proxy and nginx, all measured side by side in one run.
 *
 *   npx tsx bench/overhead.ts [--duration 10] [--warmup 2] [--rate 500] [--rate-duration 10]
 *                             [--connections 64] [--threads 1] [--targets direct,pipe,nginx,router]
 *                             [--tool auto|wrk|llm-router] [--profile]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_MODEL, chatBody } from './lib/bodies.ts';
import { type ClosedLoopResult, closedLoop } from './lib/closed-loop.ts';
import { monotonicMicros, type ProfileSummary } from './lib/cpu-profile.ts';
import { runLlmBench } from './lib/llm-bench.ts';
import { RESULTS_DIR } from './lib/paths.ts';
import { cpuMicros } from './lib/proc-stats.ts';
import { collectProfiles, printProfileReport } from './lib/profile-report.ts';
import { writeResult } from './lib/results.ts';
import { median } from './lib/stats.ts';
import { ForeignLoad } from './lib/system-cpu.ts';
import { fmt, printTable, signed, verdict } from './lib/table.ts';
import { ALL_TARGETS, startFleet, type Target, type TargetName, targetCpuMicros } from './lib/targets.ts';
import { requireTool, which } from './lib/tools.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    rate: { type: 'string', default: '500' },
    'rate-duration': { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    threads: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '1' },
    targets: { type: 'string', default: ALL_TARGETS.join(',') },
    tool: { type: 'string', default: 'auto' },
    profile: { type: 'boolean', default: false },
  },
});
const duration = Number(values.duration);
const warmup = Number(values.warmup);
const rate = Number(values.rate);
const rateDuration = Number(values['rate-duration']);
const connections = Number(values.connections);
const rounds = Math.max(1, Number(values.rounds));
const selected = values.targets.split(',').map((name) => name.trim()) as TargetName[];
for (const name of selected) if (!ALL_TARGETS.includes(name)) throw new Error(`unknown target "${name}"`);

const wrk =
  values.tool === 'llm-router'
    ? null
    : values.tool === 'wrk'
      ? which('wrk')
      : requireTool(
          'wrk',
          'falling back to llm-router bench (a Node load generator: it takes more CPU than wrk)',
        );
if (values.tool === 'wrk' && wrk === null)
  throw new Error('wrk is not installed: apt-get update && apt-get install -y wrk');

interface ClosedRow {
  readonly target: TargetName;
  readonly load: ClosedLoopResult;
  readonly proxyCpuUsPerReq: number;
  readonly backendCpuUsPerReq: number;
  /** Cores used by processes outside the bench during the run. */
  readonly foreignCores: number;
  /** The measured run's [start, end] in monotonic µs, to cut the CPU profile to it. */
  readonly window: readonly [number, number];
}

/** The fixed-rate run of one target, from `llm-router bench`'s report (latency in ms). */
interface PacedResult {
  readonly sent: number;
  /** Requests started per second (the open loop's offered rate). */
  readonly achievedRate: number;
  readonly errors: number;
  /** Send to last byte. */
  readonly latency: { readonly p50: number; readonly p90: number; readonly p99: number };
}

interface PacedRow {
  readonly target: TargetName;
  readonly paced: PacedResult;
  readonly proxyCpuUsPerReq: number;
  readonly foreignCores: number;
}

const profileDir = values.profile ? join(RESULTS_DIR, `prof-${Date.now()}`) : undefined;
if (profileDir) mkdirSync(profileDir, { recursive: true });
const fleet = await startFleet({
  targets: selected,
  ...(profileDir ? { cpuProfDir: profileDir } : {}),
});
const bodyFile = join(fleet.tmp, 'body.json');
const body = chatBody(1024);
writeFileSync(bodyFile, body);
// The same body as the fixed-rate load's dataset (one JSONL line).
const datasetFile = join(fleet.tmp, 'body.jsonl');
writeFileSync(datasetFile, `${body.toString('utf8')}\n`);
process.stdout.write(
  `overhead: ${body.length}-byte chat body, ${connections} connections, ${duration} s per target` +
    ` (${wrk ? 'wrk' : 'llm-router bench'}), then ${rate} req/s for ${rateDuration} s per target\n` +
    `targets: ${fleet.targets.map((t) => t.name).join(', ')}\n`,
);

async function closedRun(target: Target): Promise<ClosedRow> {
  const url = `${target.url}/v1/chat/completions`;
  const options = { url, bodyFile, datasetFile, connections, threads: Number(values.threads), wrk };
  if (warmup > 0) await closedLoop({ ...options, seconds: warmup });
  const proxy0 = targetCpuMicros(target);
  const backend0 = cpuMicros(fleet.backend.child.pid);
  const foreign = new ForeignLoad();
  const windowStart = monotonicMicros();
  const load = await closedLoop({ ...options, seconds: duration });
  const window: [number, number] = [windowStart, monotonicMicros()];
  const requests = Math.max(1, load.requests);
  const proxyCpu = (targetCpuMicros(target) - proxy0) / requests;
  const backendCpu = (cpuMicros(fleet.backend.child.pid) - backend0) / requests;
  const foreignCores = foreign.stop();
  process.stdout.write(`  ${target.name.padEnd(7)} ${fmt(load.rps, 0)} req/s\n`);
  return {
    target: target.name,
    load,
    proxyCpuUsPerReq: proxyCpu,
    backendCpuUsPerReq: backendCpu,
    foreignCores,
    window,
  };
}

async function pacedRun(target: Target): Promise<PacedRow> {
  const cpu0 = targetCpuMicros(target);
  const foreign = new ForeignLoad();
  const report = await runLlmBench([
    '--url',
    target.url,
    '--model',
    BENCH_MODEL,
    '--rate',
    String(rate),
    '--arrival',
    'constant',
    '--duration',
    String(rateDuration),
    '--warmup',
    '1',
    '--no-stream',
    '--dataset',
    datasetFile,
  ]);
  const paced: PacedResult = {
    sent: report.requests.total,
    achievedRate: report.throughput.sent_per_s,
    errors: report.requests.failed,
    latency: {
      p50: report.latency_ms.p50 ?? Number.NaN,
      p90: report.latency_ms.p90 ?? Number.NaN,
      p99: report.latency_ms.p99 ?? Number.NaN,
    },
  };
  // CPU over warm-up + measured window, divided by all requests sent in it.
  const total = paced.sent + Math.round(rate);
  const proxyCpu = (targetCpuMicros(target) - cpu0) / Math.max(1, total);
  const foreignCores = foreign.stop();
  process.stdout.write(`  ${target.name.padEnd(7)} p50 ${fmt(paced.latency.p50, 3)} ms\n`);
  return { target: target.name, paced, proxyCpuUsPerReq: proxyCpu, foreignCores };
}

let exitCode = 0;
try {
  const closedRounds: ClosedRow[][] = [];
  for (let round = 0; round < rounds; round++) {
    process.stdout.write(`closed loop${rounds > 1 ? ` (round ${round + 1}/${rounds})` : ''}:\n`);
    const rows: ClosedRow[] = [];
    for (const target of fleet.targets) rows.push(await closedRun(target));
    closedRounds.push(rows);
  }
  // Per target, the round with the median throughput.
  const closed = fleet.targets.map((target) => {
    const runs = closedRounds.map((rows) => rows.find((row) => row.target === target.name)!);
    const mid = median(runs.map((row) => row.load.rps));
    return runs.reduce((best, row) =>
      Math.abs(row.load.rps - mid) < Math.abs(best.load.rps - mid) ? row : best,
    );
  });
  process.stdout.write(`fixed rate ${rate} req/s:\n`);
  const paced: PacedRow[] = [];
  for (const target of fleet.targets) paced.push(await pacedRun(target));

  const direct = closed.find((row) => row.target === 'direct');
  const pipe = closed.find((row) => row.target === 'pipe');
  const router = closed.find((row) => row.target === 'router');
  printTable(
    `Closed loop: ${connections} keep-alive connections, ${body.length}-byte body, ${duration} s each (${closed[0]?.load.tool})`,
    [
      'target',
      'req/s',
      'x direct',
      'x pipe',
      'x pipe (CPU)',
      'proxy CPU us/req',
      'backend CPU us/req',
      'p50 ms',
      'p99 ms',
      'errors',
      'other load',
    ],
    closed.map((row) => [
      row.target,
      fmt(row.load.rps, 0),
      direct ? fmt(row.load.rps / direct.load.rps, 2) : '-',
      pipe ? fmt(row.load.rps / pipe.load.rps, 2) : '-',
      pipe && row.target !== 'direct' ? fmt(pipe.proxyCpuUsPerReq / row.proxyCpuUsPerReq, 2) : '-',
      row.target === 'direct' ? '-' : fmt(row.proxyCpuUsPerReq, 1),
      fmt(row.backendCpuUsPerReq, 1),
      fmt(row.load.p50Ms, 2),
      fmt(row.load.p99Ms, 2),
      String(row.load.errors),
      fmt(row.foreignCores, 2),
    ]),
  );

  const pacedDirect = paced.find((row) => row.target === 'direct');
  const pacedRouter = paced.find((row) => row.target === 'router');
  printTable(
    `Fixed rate: ${rate} req/s for ${rateDuration} s each (llm-router bench open loop, latency in ms)`,
    [
      'target',
      'achieved/s',
      'p50',
      'p90',
      'p99',
      'added p50',
      'added p99',
      'proxy CPU us/req',
      'errors',
      'other load',
    ],
    paced.map((row) => [
      row.target,
      fmt(row.paced.achievedRate, 0),
      fmt(row.paced.latency.p50, 3),
      fmt(row.paced.latency.p90, 3),
      fmt(row.paced.latency.p99, 3),
      pacedDirect && row.target !== 'direct'
        ? signed(row.paced.latency.p50 - pacedDirect.paced.latency.p50, 3)
        : '-',
      pacedDirect && row.target !== 'direct'
        ? signed(row.paced.latency.p99 - pacedDirect.paced.latency.p99, 3)
        : '-',
      row.target === 'direct' ? '-' : fmt(row.proxyCpuUsPerReq, 1),
      String(row.paced.errors),
      fmt(row.foreignCores, 2),
    ]),
  );

  const verdicts: string[] = [];
  if (router && pipe) {
    const ratio = router.load.rps / pipe.load.rps;
    verdicts.push(
      verdict(ratio >= 0.75, `router throughput ${fmt(ratio, 2)}x the pipe proxy (target >= 0.75x)`),
    );
    // Less sensitive to other load on the box: a CPU-bound proxy's throughput is 1 / its CPU per request.
    const cpuRatio = pipe.proxyCpuUsPerReq / router.proxyCpuUsPerReq;
    process.stdout.write(
      `\ninfo: router CPU per request ${fmt(router.proxyCpuUsPerReq, 1)} us vs pipe ${fmt(pipe.proxyCpuUsPerReq, 1)} us ` +
        `(pipe / router = ${fmt(cpuRatio, 2)}: the throughput ratio of a CPU-bound proxy, robust to other load)\n`,
    );
  }
  if (pacedRouter && pacedDirect) {
    const added = pacedRouter.paced.latency.p50 - pacedDirect.paced.latency.p50;
    verdicts.push(
      verdict(added <= 0.5, `router added p50 at ${rate} req/s: ${signed(added, 3)} ms (target <= +0.5 ms)`),
    );
  }
  const errors = [...closed.map((row) => row.load.errors), ...paced.map((row) => row.paced.errors)].reduce(
    (a, b) => a + b,
    0,
  );
  verdicts.push(verdict(errors === 0, `${errors} errors in all runs`));
  process.stdout.write(`\n${verdicts.join('\n')}\n`);
  const foreignMax = Math.max(
    ...closed.map((row) => row.foreignCores),
    ...paced.map((row) => row.foreignCores),
  );
  if (foreignMax > 0.2) {
    process.stdout.write(
      `warning: other processes used up to ${fmt(foreignMax, 2)} cores during a run ('other load'): compare ratios only\n`,
    );
  }
  process.stdout.write(
    'reference (PERFORMANCE.md): pipe 0.37x direct / 57 us per request; Go router 0.35x / 74 us; nginx ~1.1x / 11 us\n',
  );
  if (verdicts.some((line) => line.startsWith('FAIL'))) exitCode = 1;

  // Writing a profile of a long busy run takes a while on a loaded box: do not SIGKILL it halfway.
  await fleet.close(profileDir ? 60_000 : 5000);
  let profiles: Record<string, ProfileSummary> = {};
  if (profileDir) {
    const runs = closed.map((row) => ({ target: row.target, window: row.window, units: row.load.requests }));
    profiles = collectProfiles(profileDir, runs);
    printProfileReport('req', runs, profiles);
  }
  const path = writeResult('overhead', {
    args: values,
    bodyBytes: body.length,
    closed,
    closedRounds,
    paced,
    verdicts,
    profiles,
  });
  process.stdout.write(`result: ${path}\n`);
} catch (error) {
  process.stderr.write(`overhead failed: ${error instanceof Error ? error.message : String(error)}\n`);
  exitCode = 2;
} finally {
  await fleet.close();
}
process.exit(exitCode);

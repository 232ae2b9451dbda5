/**
 * Failover under steady load: 4 simulated backends behind the router (a child process, probes every 1 s),
 * an open-loop load of non-streaming requests; one backend is killed, left dead, then restarted.
 *
 *   npx tsx bench/failover.ts [--rate 400] [--warmup 3] [--down 5] [--after 5] [--backends 4] [--poll 100]
 *
 * Prints failed client requests (target 0), how long the dead backend kept receiving attempts after the
 * kill (router dashboard polled every --poll ms, every 10 ms in the first second after the kill; "never"
 * when its attempt count was still growing at the last poll before the restart), and how long after the
 * restart it received traffic again (arrival at the sim, exact). Health transitions come from the
 * router's whole log (stderr kept in full).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HdrHistogram } from '../tools/bench/index.ts';
import { type SimServer, startSimServer } from '../tools/sim/index.ts';
import { writeFailoverConfig } from './failover/config.ts';
import { type DashboardWatch, watchBackend } from './failover/dashboard-watch.ts';
import { type RequestRecord, startOpenLoop } from './failover/open-loop.ts';
import { spawnChild, waitForHttp } from './lib/children.ts';
import { REPO_DIR } from './lib/paths.ts';
import { freePort } from './lib/ports.ts';
import { writeResult } from './lib/results.ts';
import { fmt, printTable } from './lib/table.ts';

const MODEL = 'failover-model';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '400' },
    warmup: { type: 'string', default: '3' },
    down: { type: 'string', default: '5' },
    after: { type: 'string', default: '5' },
    backends: { type: 'string', default: '4' },
    poll: { type: 'string', default: '100' },
  },
});
const rate = Number(values.rate);
const warmupMs = Number(values.warmup) * 1000;
const downMs = Number(values.down) * 1000;
const afterMs = Number(values.after) * 1000;
const backendCount = Math.max(2, Number(values.backends));
const pollMs = Number(values.poll);

/** Dashboard poll period in the first second after the kill, when passive ejection happens. */
const FAST_POLL_MS = 10;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Requests issued in [from, to) (performance.now() times of when each was due). */
function between(records: readonly RequestRecord[], from: number, to: number): RequestRecord[] {
  return records.filter((record) => record.at >= from && record.at < to);
}

/** Latencies of some requests in the load generator's histogram (microseconds). */
function latencyUs(records: readonly RequestRecord[]): HdrHistogram {
  const histogram = new HdrHistogram();
  for (const record of records) histogram.record(record.ms * 1000);
  return histogram;
}

function latencySummary(records: readonly RequestRecord[]): Record<string, number> {
  const histogram = latencyUs(records);
  const ms = (us: number) => us / 1000;
  return {
    count: histogram.count,
    mean: ms(histogram.mean()),
    p50: ms(histogram.percentile(50)),
    p90: ms(histogram.percentile(90)),
    p99: ms(histogram.percentile(99)),
    max: ms(histogram.max()),
  };
}

function failuresOf(records: readonly RequestRecord[]): Map<string, number> {
  const byKind = new Map<string, number>();
  for (const record of records) {
    if (record.error === null) continue;
    const kind = record.error ?? `${record.status}`;
    byKind.set(kind.slice(0, 120), (byKind.get(kind.slice(0, 120)) ?? 0) + 1);
  }
  return byKind;
}

interface Transition {
  /** Wall-clock ms. */
  readonly at: number;
  readonly healthy: boolean;
  readonly cause: string;
}

/** `backend healthy` / `backend unhealthy` lines of the router's console log for one backend. */
function healthTransitions(log: string, backendId: string): Transition[] {
  const out: Transition[] = [];
  const pattern = /^(\S+) (?:INFO|WARN)\s+backend (healthy|unhealthy) backend=(\S+) cause=(\S+)/gm;
  for (const match of log.matchAll(pattern)) {
    const [, time, state, id, cause] = match;
    if (id !== backendId || time === undefined || cause === undefined) continue;
    out.push({ at: Date.parse(time), healthy: state === 'healthy', cause });
  }
  return out;
}

async function main(): Promise<void> {
  // Short answers (4 tokens, ~5 ms), as fast as the sim makes them.
  const sims: SimServer[] = await Promise.all(
    Array.from({ length: backendCount }, () =>
      startSimServer({ host: '127.0.0.1', port: 0, models: [MODEL], ttftMs: 5, tokensPerSecond: 2000 }),
    ),
  );
  const victim = sims[sims.length - 1]!;
  const victimId = `${MODEL}@${victim.url}`;
  const dir = mkdtempSync(join(tmpdir(), 'llm-router-failover-'));
  const configPath = writeFailoverConfig(
    dir,
    MODEL,
    sims.map((sim) => sim.url),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const router = spawnChild({
    name: 'router',
    command: process.execPath,
    args: [join(REPO_DIR, 'bin/llm-router.mjs'), '-config', configPath, '-port', String(port)],
    // The transitions are parsed from the whole log after the run; a tail would lose the early ones.
    keepStderr: true,
  });
  let watch: DashboardWatch | undefined;
  try {
    await waitForHttp(router, `${url}/ready`);
    process.stdout.write(
      `router ${url} (pid ${router.pid}), ${backendCount} sims, open loop ${rate} req/s; ` +
        `kill ${victim.url} after ${warmupMs / 1000} s, restart ${downMs / 1000} s later, run ${afterMs / 1000} s more\n`,
    );

    // Exact arrival times of inference requests at the victim.
    const arrivals: number[] = [];
    victim.events.on('request', (info) => {
      if (info.path === '/v1/chat/completions') arrivals.push(performance.now());
    });
    watch = watchBackend(url, victimId, pollMs);
    const load = startOpenLoop({ url, model: MODEL, rate, maxTokens: 4 });
    const loadStart = performance.now();

    await sleep(warmupMs);
    const atKill = await watch.sampleNow();
    const killAt = performance.now();
    const killWall = Date.now();
    watch.pollFast(1000, FAST_POLL_MS);
    await victim.stop();
    await sleep(downMs);
    const restartAt = performance.now();
    const restartWall = Date.now();
    await victim.start();
    await sleep(afterMs);
    const records = await load.stop();
    const loadEnd = performance.now();
    await watch.stop();

    // Kill -> last attempt: the first dashboard sample (after the kill) whose count never grows again
    // before the restart. Resolution: one poll period. It only counts as stopped when a later sample
    // confirmed the count; a count still growing at the last sample of the outage never stopped.
    const samples = watch.samples;
    const downSamples = samples.filter((s) => s.at >= killAt && s.at < restartAt);
    const beforeKill = atKill ?? samples.filter((s) => s.at < killAt).at(-1);
    const finalDown = downSamples.at(-1);
    const settledIndex = finalDown ? downSamples.findIndex((s) => s.attempts === finalDown.attempts) : -1;
    const settled =
      settledIndex >= 0 && settledIndex < downSamples.length - 1 ? downSamples[settledIndex] : undefined;
    const attemptsAfterKill = finalDown && beforeKill ? finalDown.attempts - beforeKill.attempts : Number.NaN;
    const markedDown = downSamples.find((s) => !s.healthy);
    const healthyAgain = samples.find((s) => s.at >= restartAt && s.healthy);
    const firstArrival = arrivals.find((at) => at >= restartAt);
    const victimShareAfter =
      between(records, restartAt, loadEnd).length > 0
        ? arrivals.filter((at) => at >= restartAt).length / between(records, restartAt, loadEnd).length
        : Number.NaN;

    // Exact transition times from the router's own log (passive ejection ends the attempts at once).
    const transitions = healthTransitions(router.stderr(), victimId);
    const ejected = transitions.find((t) => !t.healthy && t.at >= killWall);
    const readmitted = transitions.find((t) => t.healthy && t.at >= restartWall);

    const failed = records.filter((record) => record.error !== null);
    const phases: [string, number, number][] = [
      ['warm-up (before kill)', loadStart, killAt],
      ['kill + 1 s', killAt, killAt + 1000],
      ['rest of outage', killAt + 1000, restartAt],
      ['after restart', restartAt, loadEnd],
    ];
    printTable(
      'Client requests by phase (latency in ms)',
      ['phase', 'requests', 'failed', 'p50', 'p99', 'max'],
      phases.map(([name, from, to]) => {
        const part = between(records, from, to);
        const latency = latencyUs(part);
        return [
          name,
          String(part.length),
          String(part.filter((record) => record.error !== null).length),
          fmt(latency.percentile(50) / 1000, 1),
          fmt(latency.percentile(99) / 1000, 1),
          fmt(latency.max() / 1000, 1),
        ];
      }),
    );
    const rows: [string, string][] = [
      ['client requests', String(records.length)],
      ['failed client requests (target 0)', String(failed.length)],
      [
        'kill -> dead backend stopped receiving attempts',
        settled
          ? `<= ${fmt(settled.at - killAt, 0)} ms (dashboard, polled every ${settled.at - killAt < 1000 ? FAST_POLL_MS : pollMs} ms)`
          : 'never',
      ],
      [
        'kill -> router ejected it (router log)',
        ejected ? `${ejected.at - killWall} ms (cause: ${ejected.cause})` : 'not logged',
      ],
      ['attempts sent to the dead backend after the kill', String(attemptsAfterKill)],
      ['kill -> dashboard shows it unhealthy', markedDown ? `${fmt(markedDown.at - killAt, 0)} ms` : 'never'],
      [
        'restart -> router readmitted it (router log)',
        readmitted ? `${readmitted.at - restartWall} ms (cause: ${readmitted.cause})` : 'not logged',
      ],
      [
        'restart -> dashboard shows it healthy',
        healthyAgain ? `${fmt(healthyAgain.at - restartAt, 0)} ms` : 'never',
      ],
      [
        'restart -> first request arrives at it',
        firstArrival ? `${fmt(firstArrival - restartAt, 0)} ms` : 'never',
      ],
      [
        'its share of requests after the restart',
        `${fmt(victimShareAfter * 100, 1)} % (fair: ${fmt(100 / backendCount, 1)} %)`,
      ],
    ];
    printTable('Failover', ['measure', 'value'], rows);
    for (const [kind, count] of failuresOf(records)) process.stdout.write(`  failed ${count}x  ${kind}\n`);

    const path = writeResult('failover', {
      config: { rate, warmupMs, downMs, afterMs, backendCount, pollMs },
      requests: records.length,
      failed: failed.length,
      failures: Object.fromEntries(failuresOf(records)),
      killToLastAttemptMs: settled ? settled.at - killAt : null,
      killToEjectionMs: ejected ? ejected.at - killWall : null,
      ejectionCause: ejected?.cause ?? null,
      restartToReadmittedMs: readmitted ? readmitted.at - restartWall : null,
      attemptsAfterKill,
      killToUnhealthyMs: markedDown ? markedDown.at - killAt : null,
      restartToHealthyMs: healthyAgain ? healthyAgain.at - restartAt : null,
      restartToTrafficMs: firstArrival ? firstArrival - restartAt : null,
      latency: latencySummary(records),
    });
    process.stdout.write(`\nresult: ${path}\n`);
    process.exitCode = failed.length === 0 && firstArrival !== undefined ? 0 : 1;
  } finally {
    await watch?.stop();
    await router.stop('SIGTERM', 5000);
    await Promise.all(sims.map((sim) => sim.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

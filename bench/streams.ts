/**
 * 1,000 concurrent SSE streams (20 events, 50 ms apart) from the trivial backend, directly and through each
 * proxy: added time to first byte, whether every event is flushed on arrival, and the proxy's peak RSS.
 *
 *   npx tsx bench/streams.ts [--streams 1000] [--events 20] [--gap-ms 50] [--ramp-ms 500]
 *                            [--warmup-streams 100] [--targets direct,pipe,nginx,router] [--profile]
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { SideReport } from '../tools/bench/index.ts';
import { BENCH_MODEL } from './lib/bodies.ts';
import { monotonicMicros, type ProfileSummary } from './lib/cpu-profile.ts';
import { runLlmBench } from './lib/llm-bench.ts';
import { RESULTS_DIR } from './lib/paths.ts';
import { openFileLimits, RssSampler, rssBytes } from './lib/proc-stats.ts';
import { collectProfiles, printProfileReport } from './lib/profile-report.ts';
import { writeResult } from './lib/results.ts';
import { ForeignLoad, reapedChildrenMicros } from './lib/system-cpu.ts';
import { fmt, mb, printTable, signed, verdict } from './lib/table.ts';
import { ALL_TARGETS, startFleet, type Target, type TargetName, targetCpuMicros } from './lib/targets.ts';

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: '1000' },
    events: { type: 'string', default: '20' },
    'gap-ms': { type: 'string', default: '50' },
    'ramp-ms': { type: 'string', default: '500' },
    'warmup-streams': { type: 'string', default: '100' },
    targets: { type: 'string', default: ALL_TARGETS.join(',') },
    profile: { type: 'boolean', default: false },
  },
});
const streams = Number(values.streams);
const events = Number(values.events);
const gapMs = Number(values['gap-ms']);
const rampMs = Number(values['ramp-ms']);
const warmupStreams = Number(values['warmup-streams']);
const selected = values.targets.split(',').map((name) => name.trim()) as TargetName[];
for (const name of selected) if (!ALL_TARGETS.includes(name)) throw new Error(`unknown target "${name}"`);

// A proxy holds two sockets per stream; children raise their soft limit to the hard one before exec.
const limits = openFileLimits();
const needed = 2 * streams + 256;
process.stdout.write(`open files: soft ${limits.soft}, hard ${limits.hard}; a proxy needs about ${needed}\n`);
if (limits.hard < needed) {
  process.stdout.write(
    `warning: the hard open-file limit (${limits.hard}) is below ${needed}: expect EMFILE errors\n`,
  );
}

interface StreamRow {
  readonly target: TargetName;
  readonly result: StreamResult;
  readonly rssBefore: number;
  readonly rssPeak: number;
  readonly cpuMs: number;
  readonly foreignCores: number;
  readonly window: readonly [number, number];
  /** CPU of the stream client process itself. */
  readonly clientCpuMs: number;
}

/** What the table shows of one target's run (ms), from `llm-router bench`'s report. */
interface StreamResult {
  readonly streams: number;
  /** Streams that ended with `data: [DONE]`. */
  readonly completed: number;
  readonly errors: number;
  /** Streams cut before `data: [DONE]`. */
  readonly incomplete: number;
  readonly peakOpen: number;
  /** Request write to the first event (the backend's first event carries content). */
  readonly ttfb: { readonly p50: number; readonly p99: number };
  /** Time between consecutive content events of a stream. */
  readonly gaps: { readonly mean: number; readonly p50: number; readonly p99: number };
  /** Content events received (the backend sends events - 1 of them, then [DONE]). */
  readonly events: number;
  /** Events that arrived in the same read as the event before them. */
  readonly clumped: number;
}

function streamResult(report: SideReport, count: number): StreamResult {
  const incomplete = report.errors.incomplete ?? 0;
  return {
    streams: count,
    completed: report.requests.ok,
    errors: report.requests.total - report.requests.ok - incomplete + (count - report.requests.total),
    incomplete,
    peakOpen: report.peak_in_flight,
    ttfb: { p50: report.ttft_ms.p50 ?? Number.NaN, p99: report.ttft_ms.p99 ?? Number.NaN },
    gaps: {
      mean: report.itl_ms.mean ?? Number.NaN,
      p50: report.itl_ms.p50 ?? Number.NaN,
      p99: report.itl_ms.p99 ?? Number.NaN,
    },
    events: report.tokens.output_total,
    clumped: report.clumped_events,
  };
}

/** `count` streams opened linearly over `rampMs`, each used once (closed loop, one request per slot). */
async function openStreams(target: Target, count: number, ramp: number): Promise<StreamResult> {
  const report = await runLlmBench([
    '--url',
    target.url,
    '--model',
    BENCH_MODEL,
    '--concurrency',
    String(count),
    '--requests',
    String(count),
    '--ramp-up',
    String(ramp / 1000),
    '--prompt-tokens',
    '50',
    '--timeout',
    '60',
  ]);
  return streamResult(report, count);
}

async function run(target: Target): Promise<StreamRow> {
  if (warmupStreams > 0) await openStreams(target, warmupStreams, 100);
  const rssBefore = rssBytes(target.child.pid);
  const sampler = new RssSampler(target.child.pid, 20);
  const cpu0 = targetCpuMicros(target);
  const foreign = new ForeignLoad();
  const windowStart = monotonicMicros();
  const reaped0 = reapedChildrenMicros();
  const result = await openStreams(target, streams, rampMs);
  const window: [number, number] = [windowStart, monotonicMicros()];
  const clientCpuMs = (reapedChildrenMicros() - reaped0) / 1000;
  const foreignCores = foreign.stop();
  const cpuMs = (targetCpuMicros(target) - cpu0) / 1000;
  const rssPeak = sampler.stop();
  process.stdout.write(
    `  ${target.name.padEnd(7)} ${result.completed}/${streams} streams, TTFB p50 ${fmt(result.ttfb.p50, 1)} ms\n`,
  );
  return { target: target.name, result, rssBefore, rssPeak, cpuMs, foreignCores, window, clientCpuMs };
}

const profileDir = values.profile ? join(RESULTS_DIR, `prof-streams-${Date.now()}`) : undefined;
if (profileDir) mkdirSync(profileDir, { recursive: true });
const fleet = await startFleet({
  targets: selected,
  backend: { sseEvents: events, sseGapMs: gapMs },
  ...(profileDir ? { cpuProfDir: profileDir } : {}),
});
process.stdout.write(
  `streams: ${streams} concurrent SSE streams (${events} events, ${gapMs} ms apart), opened over ${rampMs} ms\n` +
    `targets: ${fleet.targets.map((t) => t.name).join(', ')}\n`,
);
let exitCode = 0;
try {
  const rows: StreamRow[] = [];
  for (const target of fleet.targets) rows.push(await run(target));
  const direct = rows.find((row) => row.target === 'direct');
  printTable(
    `SSE streams: ${streams} concurrent, ${events} events ${gapMs} ms apart (ms; RSS in MB; 'clumped' = events glued to the previous one)`,
    [
      'target',
      'completed',
      'peak open',
      'errors',
      'TTFB p50',
      'TTFB p99',
      'added p50',
      'added p99',
      'gap mean',
      'gap vs direct',
      'gap p50',
      'gap p99',
      'clumped',
      'RSS before',
      'RSS peak',
      'CPU ms',
      'client CPU ms',
      'other load',
    ],
    rows.map(({ target, result, rssBefore, rssPeak, cpuMs, clientCpuMs, foreignCores }) => {
      const proxy = target !== 'direct';
      return [
        target,
        `${result.completed}/${result.streams}`,
        String(result.peakOpen),
        String(result.errors + result.incomplete),
        fmt(result.ttfb.p50, 1),
        fmt(result.ttfb.p99, 1),
        proxy && direct ? signed(result.ttfb.p50 - direct.result.ttfb.p50, 1) : '-',
        proxy && direct ? signed(result.ttfb.p99 - direct.result.ttfb.p99, 1) : '-',
        fmt(result.gaps.mean, 2),
        proxy && direct ? signed(result.gaps.mean - direct.result.gaps.mean, 2) : '-',
        fmt(result.gaps.p50, 1),
        fmt(result.gaps.p99, 1),
        String(result.clumped),
        proxy ? mb(rssBefore) : '-',
        proxy ? mb(rssPeak) : '-',
        fmt(cpuMs, 0),
        fmt(clientCpuMs, 0),
        fmt(foreignCores, 2),
      ];
    }),
  );

  const verdicts: string[] = [];
  const router = rows.find((row) => row.target === 'router');
  if (router && direct) {
    const r = router.result;
    verdicts.push(verdict(r.completed === streams, `router completed ${r.completed}/${streams} streams`));
    const gapDelta = r.gaps.mean - direct.result.gaps.mean;
    verdicts.push(
      verdict(
        Math.abs(gapDelta) <= 1,
        `router mean inter-event gap ${signed(gapDelta, 2)} ms vs direct (within 1 ms)`,
      ),
    );
    // A proxy that flushes per event clumps only when it lags (it then reads several events at once); one that
    // buffers (the Go router: ~4 KB bursts) clumps most of them.
    const share = r.events > 0 ? (100 * r.clumped) / r.events : 100;
    verdicts.push(
      verdict(
        share <= 1,
        `router clumped events ${r.clumped} of ${r.events} (${fmt(share, 2)}%, direct ${direct.result.clumped}; at most 1%)`,
      ),
    );
    // The bar. The pipe's figure from the same run says how much of a miss is the machine: when the
    // Node floor itself is far above it, the proxies are competing with the load for the two cores.
    const addedP99 = r.ttfb.p99 - direct.result.ttfb.p99;
    const pipe = rows.find((row) => row.target === 'pipe');
    const pipeNote =
      pipe === undefined
        ? ''
        : `; Node pipe in this run ${signed(pipe.result.ttfb.p99 - direct.result.ttfb.p99, 1)} ms`;
    verdicts.push(
      verdict(
        addedP99 <= 100,
        `router added TTFB p99 ${signed(addedP99, 1)} ms (target <= +100 ms${pipeNote})`,
      ),
    );
    process.stdout.write(
      `router added TTFB p50/p99: ${signed(r.ttfb.p50 - direct.result.ttfb.p50, 1)} / ` +
        `${signed(r.ttfb.p99 - direct.result.ttfb.p99, 1)} ms; router RSS peak ${mb(router.rssPeak)} MB ` +
        `(+${mb(router.rssPeak - router.rssBefore)} MB)\n`,
    );
  }
  process.stdout.write(`\n${verdicts.join('\n')}\n`);
  process.stdout.write(
    'reference (PERFORMANCE.md): added TTFB p50/p99 nginx +9/+8 ms, Node pipe +22/+41, Hono+undici +58/+142, ' +
      'Go router +106 (no per-event flush)\n',
  );
  if (verdicts.some((line) => line.startsWith('FAIL'))) exitCode = 1;
  let profiles: Record<string, ProfileSummary> = {};
  if (profileDir) {
    await fleet.close(60_000);
    const runs = rows.map((row) => ({ target: row.target, window: row.window, units: row.result.streams }));
    profiles = collectProfiles(profileDir, runs);
    printProfileReport('stream', runs, profiles);
  }
  const path = writeResult('streams', { args: values, rows, verdicts, profiles });
  process.stdout.write(`result: ${path}\n`);
} catch (error) {
  process.stderr.write(`streams failed: ${error instanceof Error ? error.message : String(error)}\n`);
  exitCode = 2;
} finally {
  await fleet.close();
}
process.exit(exitCode);

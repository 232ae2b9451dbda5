import { BENCH_MODEL } from './bodies.ts';
import { spawnChild } from './children.ts';
import { runLlmBench } from './llm-bench.ts';
import { benchFile } from './paths.ts';

export interface ClosedLoopResult {
  readonly tool: 'wrk' | 'llm-router bench';
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  /** Non-2xx answers plus socket errors. */
  readonly errors: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface ClosedLoopOptions {
  readonly url: string;
  /** The body for wrk. */
  readonly bodyFile: string;
  /** The same body as a one-line JSONL dataset, for llm-router bench. */
  readonly datasetFile: string;
  readonly connections: number;
  readonly seconds: number;
  readonly threads: number;
  /** Path of wrk, or null to use llm-router bench. */
  readonly wrk: string | null;
}

function wrkMs(value: string, unit: string): number {
  const n = Number(value);
  if (unit === 'us') return n / 1000;
  if (unit === 's') return n * 1000;
  if (unit === 'm') return n * 60_000;
  return n;
}

async function runWrk(wrk: string, options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const child = spawnChild({
    name: 'wrk',
    command: wrk,
    args: [
      `-t${options.threads}`,
      `-c${options.connections}`,
      `-d${options.seconds}s`,
      '--latency',
      '-s',
      benchFile('post.lua'),
      options.url,
    ],
    env: { WRK_BODY_FILE: options.bodyFile },
    keepStdout: true,
    raiseNoFile: true,
  });
  const code = await child.exited;
  const out = child.stdout();
  const requests = /(\d+) requests in ([\d.]+)(\w+)/.exec(out);
  if (code !== 0 || !requests) throw new Error(`wrk failed (exit ${code}):\n${child.tail()}`);
  const seconds = wrkMs(requests[2]!, requests[3]!) / 1000;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  const latency = (p: string) => {
    const match = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
    return match ? wrkMs(match[1]!, match[2]!) : Number.NaN;
  };
  return {
    tool: 'wrk',
    requests: Number(requests[1]),
    seconds,
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number(requests[1]) / seconds),
    errors: non2xx + socketErrors,
    p50Ms: latency('50'),
    p99Ms: latency('99'),
  };
}

/** Without wrk: the project's own load generator, closed loop, non-streaming, the same body. */
async function runLlmRouterBench(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const report = await runLlmBench([
    '--url',
    new URL(options.url).origin,
    '--model',
    BENCH_MODEL,
    '--concurrency',
    String(options.connections),
    '--duration',
    String(options.seconds),
    '--no-stream',
    '--dataset',
    options.datasetFile,
  ]);
  return {
    tool: 'llm-router bench',
    requests: report.requests.total,
    seconds: report.duration_s,
    rps: report.requests.total / Math.max(1e-9, report.duration_s),
    errors: report.requests.failed,
    p50Ms: report.latency_ms.p50 ?? Number.NaN,
    p99Ms: report.latency_ms.p99 ?? Number.NaN,
  };
}

/** Closed-loop load (each connection sends its next request when the previous answer arrived). */
export function closedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  return options.wrk ? runWrk(options.wrk, options) : runLlmRouterBench(options);
}

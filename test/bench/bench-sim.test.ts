// `llm-router bench` end to end against the simulated fleet (tools/sim) with known TTFT and token pacing:
// the measured figures must match what the sims were configured to do. Worker processes, Ctrl-C and a
// dead URL go through the real CLI entry (bin/llm-router.mjs); the rest runs the command in-process.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AbReport, SideReport } from '../../tools/bench/index.ts';
import { runBenchCli } from '../../tools/bench/index.ts';
import type { SimServer } from '../../tools/sim/index.ts';
import { CLI, freePort, killAllCli, runCli, spawnCli } from '../support/cli.ts';
import { closeAll, startSims, startTestRouter, type TestRouter, waitFor } from '../support/router-fixture.ts';

const TTFT_MS = 150;
const TOKENS_PER_SECOND = 50;
const ITL_MS = 1000 / TOKENS_PER_SECOND;
/** Stated tolerance: client, event loop and scheduling add a little; the machine is shared. */
const TTFT_P50_SLACK_MS = 30;
const TTFT_P99_SLACK_MS = 90;
const ITL_P50_TOLERANCE_MS = 2;

let sims: SimServer[] = [];
let dir = '';

beforeAll(async () => {
  sims = await startSims(
    [0, 1, 2].map(() => ({
      models: ['demo-model'],
      ttftMs: TTFT_MS,
      prefillMsPerToken: 0,
      tokensPerSecond: TOKENS_PER_SECOND,
      maxNumSeqs: 512,
    })),
  );
  dir = await mkdtemp(join(tmpdir(), 'llm-router-bench-test-'));
});

afterAll(async () => {
  await killAllCli();
  await closeAll(sims);
  await rm(dir, { recursive: true, force: true });
});

async function readReport<T = SideReport>(output: string): Promise<T> {
  return JSON.parse(await readFile(join(output, 'report.json'), 'utf8')) as T;
}

/** Runs the command in this process, output collected. */
async function bench(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runBenchCli(args, {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    tty: false,
  });
  return { code, out, err };
}

describe('llm-router bench against the simulated fleet', () => {
  it('two worker processes: TTFT and inter-token percentiles match the sim, token counts exactly', async () => {
    const output = join(dir, 'closed');
    const requests = 64;
    const run = await runCli(
      [
        'bench',
        '--url',
        sims[0]!.url, // the api_base form, ending in /v1
        '--model',
        'demo-model',
        '--concurrency',
        '16',
        '--requests',
        String(requests),
        '--max-tokens',
        '12',
        '--prompt-tokens',
        '100',
        '--workers',
        '2',
        '--output',
        output,
        '--quiet',
      ],
      30_000,
    );
    expect(run.code, run.stderr).toBe(0);
    const report = await readReport(output);
    expect(report.config.workers).toBe(2);
    expect(report.requests).toEqual({ total: requests, ok: requests, failed: 0 });
    expect(report.errors).toEqual({});
    // The sim reports usage (include_usage): 12 tokens each, prompts of 100 tokens (400 characters).
    expect(report.tokens).toEqual({ prompt_total: requests * 100, output_total: requests * 12 });
    // Plus one unmeasured priming request per worker.
    expect(sims[0]!.stats().byPath['/v1/chat/completions']).toBe(requests + 2);
    const { ttft_ms: ttft, itl_ms: itl } = report;
    expect(ttft.p50!).toBeGreaterThanOrEqual(TTFT_MS);
    expect(ttft.p50!).toBeLessThanOrEqual(TTFT_MS + TTFT_P50_SLACK_MS);
    expect(ttft.p99!).toBeLessThanOrEqual(TTFT_MS + TTFT_P99_SLACK_MS);
    expect(Math.abs(itl.p50! - ITL_MS)).toBeLessThanOrEqual(ITL_P50_TOLERANCE_MS);
    // Latency = TTFT + 11 gaps.
    expect(report.latency_ms.p50!).toBeGreaterThanOrEqual(TTFT_MS + 11 * ITL_MS - 5);
    expect(run.stdout).toContain('64 requests (64 ok, 0 failed)');
  });

  it('open loop holds its target rate within 2 %', async () => {
    const output = join(dir, 'open');
    const rate = 80;
    const before = sims[1]!.stats().byPath['/v1/chat/completions'] ?? 0;
    const run = await bench([
      '--url',
      sims[1]!.url,
      '--model',
      'demo-model',
      '--rate',
      String(rate),
      '--arrival',
      'constant',
      '--duration',
      '3',
      '--max-tokens',
      '2',
      '--output',
      output,
    ]);
    expect(run.code, run.err).toBe(0);
    const report = await readReport(output);
    expect(Math.abs(report.throughput.sent_per_s - rate) / rate).toBeLessThanOrEqual(0.02);
    expect(Math.abs(report.requests.total - rate * 3) / (rate * 3)).toBeLessThanOrEqual(0.02);
    expect(report.requests.failed).toBe(0);
    expect((sims[1]!.stats().byPath['/v1/chat/completions'] ?? 0) - before).toBe(report.requests.total + 1);
    // Every whole second in the middle of the run completed the target rate too.
    expect(Math.abs(report.timeseries[1]!.requests_per_s - rate)).toBeLessThanOrEqual(rate * 0.05);
  });

  it('A/B mode: the same load direct and through the real router, with the added time per percentile', async () => {
    let router: TestRouter | undefined;
    try {
      router = await startTestRouter({ backends: [{ model_name: 'demo-model', api_base: sims[2]! }] });
      const output = join(dir, 'ab');
      const run = await bench([
        '--url',
        router.url,
        '--model',
        'demo-model',
        '--direct',
        sims[2]!.url,
        '--phases',
        '2',
        '--concurrency',
        '8',
        '--duration',
        '2',
        '--max-tokens',
        '4',
        '--output',
        output,
        '--quiet',
      ]);
      expect(run.code, run.err).toBe(0);
      const report = await readReport<AbReport>(output);
      for (const side of [report.direct, report.router]) {
        expect(side.requests.ok).toBeGreaterThan(10);
        expect(side.requests.failed).toBe(0);
        expect(side.tokens.output_total).toBe(side.requests.ok * 4);
        expect(side.timeseries.length).toBeGreaterThan(1);
      }
      expect(report.router.target).toBe(router.url);
      expect(report.direct.target).toBe(sims[2]!.url.replace(/\/v1$/, ''));
      expect(report.added_ms.ttft.p50).toBeCloseTo(
        report.router.ttft_ms.p50! - report.direct.ttft_ms.p50!,
        3,
      );
      expect(report.added_ms.latency.p99).toBeCloseTo(
        report.router.latency_ms.p99! - report.direct.latency_ms.p99!,
        3,
      );
      expect(run.out).toContain('router added (router - direct, ms)');
      // Every request of both sides reached the one sim (plus one priming request per side).
      expect(sims[2]!.stats().byPath['/v1/chat/completions']).toBe(
        report.router.requests.total + report.direct.requests.total + 2,
      );
    } finally {
      await router?.close();
    }
  });

  it('a dead URL ends at once with a clear error and exit code 1', async () => {
    const port = await freePort();
    const started = Date.now();
    const run = await runCli(['bench', '--url', `http://127.0.0.1:${port}`, '--model', 'm'], 20_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot reach http://127.0.0.1:${port}: connection refused`);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('too few open files: a warning before the run, EMFILE failures counted as such and explained', async () => {
    // Lowering the hard limit needs no privilege; workers cannot raise their soft limit past it.
    const command = 'ulimit -n 120; ulimit -Hn 120; exec "$0" "$@"';
    const child = spawn(
      '/bin/sh',
      [
        '-c',
        command,
        process.execPath,
        CLI,
        'bench',
        '--url',
        sims[0]!.url,
        '--model',
        'demo-model',
        '--concurrency',
        '200',
        '--requests',
        '200',
        '--max-tokens',
        '2',
        '--quiet',
        '--output',
        join(dir, 'emfile'),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    child.stdout.resume();
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(
      'warning: each worker needs about 264 open files but the open-file limit is soft 120 / hard 120',
    );
    const report = await readReport(join(dir, 'emfile'));
    expect(report.errors.emfile).toBeGreaterThan(0);
    expect(report.requests.failed).toBe(report.errors.emfile);
    expect(stderr).toContain(`${report.errors.emfile} request(s) failed with EMFILE (too many open files)`);
    expect(stderr).toContain('ulimit -n');
  });

  it('SIGINT mid-run stops the load, writes a partial report and exits 130', async () => {
    const output = join(dir, 'interrupted');
    const proc = spawnCli([
      'bench',
      '--url',
      sims[1]!.url,
      '--model',
      'demo-model',
      '--concurrency',
      '8',
      '--duration',
      '120',
      '--max-tokens',
      '2:60',
      '--output',
      output,
    ]);
    const completed = () => sims[1]!.stats().completed;
    const before = completed();
    // Interrupt once some requests have finished and others are in flight.
    expect(await waitFor(() => completed() >= before + 5, 20_000, 20)).toBe(true);
    proc.child.kill('SIGINT');
    const code = await proc.exited;
    expect(code, proc.stderr()).toBe(130);
    expect(proc.stderr()).toContain('stopping');
    const report = await readReport(output);
    expect(report.partial).toBe(true);
    expect(report.requests.ok).toBeGreaterThanOrEqual(1);
    expect(report.duration_s).toBeLessThan(60);
    expect(proc.stdout()).toContain('[PARTIAL: interrupted]');
    expect((await stat(join(output, 'report.html'))).size).toBeGreaterThan(10_000);
  });
});

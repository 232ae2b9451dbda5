/**
 * Large request bodies (a base64 image before `model`): how fast the router finds the model
 * (its byte scanner `scanModel` vs JSON.parse, in-process), how much memory the router holds while
 * 200 concurrent 1 MB requests wait on a slow backend, and its memory per in-flight request for each
 * body transfer shape (Content-Length, chunked 1 B / 1 KiB / 64 KiB, slow drip), all next to the
 * streaming pipe proxy.
 *
 *   npx tsx bench/large-body.ts [--sizes 1,10] [--micro-ms 1500] [--count 200] [--mb 1] [--delay-ms 2000]
 *                               [--targets pipe,router] [--shapes content-length,chunked-1b,...|none]
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { scanModel } from '../src/core/scan-model.ts';
import { BENCH_MODEL, chunked, imageBody } from './lib/bodies.ts';
import { runLlmBench } from './lib/llm-bench.ts';
import { RssSampler, rssBytes } from './lib/proc-stats.ts';
import { writeResult } from './lib/results.ts';
import { type ShapeRow, shapeMemory } from './lib/shape-memory.ts';
import { ForeignLoad } from './lib/system-cpu.ts';
import { fmt, mb, printTable, verdict } from './lib/table.ts';
import { startFleet, type Target, type TargetName } from './lib/targets.ts';
import { UPLOAD_SHAPES, type UploadShape } from './lib/upload-shapes.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1,10' },
    'micro-ms': { type: 'string', default: '1500' },
    count: { type: 'string', default: '200' },
    mb: { type: 'string', default: '1' },
    'delay-ms': { type: 'string', default: '2000' },
    targets: { type: 'string', default: 'pipe,router' },
    shapes: { type: 'string', default: UPLOAD_SHAPES.join(',') },
  },
});
const MiB = 1024 * 1024;
const sizes = values.sizes.split(',').map(Number);
const microMs = Number(values['micro-ms']);
const count = Number(values.count);
const bodyBytes = Math.round(Number(values.mb) * MiB);
const delayMs = Number(values['delay-ms']);
const selected = values.targets.split(',').map((name) => name.trim()) as TargetName[];

// ---- 1. model extraction, in-process ----

let sink = 0;

/** Milliseconds per call of `fn`, after a warm-up, over at least `budgetMs` and 10 calls. */
function timePerCall(fn: () => number, budgetMs: number): { ms: number; iterations: number } {
  const warmEnd = performance.now() + Math.min(300, budgetMs / 4);
  while (performance.now() < warmEnd) sink += fn();
  let iterations = 0;
  const start = performance.now();
  let now = start;
  while (iterations < 10 || now - start < budgetMs) {
    sink += fn();
    iterations++;
    now = performance.now();
  }
  return { ms: (now - start) / iterations, iterations };
}

interface MicroRow {
  readonly mib: number;
  readonly scanChunkedMs: number;
  /** Same chunks as plain Uint8Array views (what a Worker's Web stream yields): indexOf is no memchr there. */
  readonly scanUint8ArrayMs: number;
  readonly parseMs: number;
  readonly concatDecodeParseMs: number;
}

function modelOf(value: unknown): string {
  return typeof value === 'object' && value !== null && 'model' in value && typeof value.model === 'string'
    ? value.model
    : '';
}

function micro(mib: number): MicroRow {
  const body = imageBody(Math.round(mib * MiB));
  const chunks = chunked(body);
  const plain = chunks.map((chunk) => new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
  const text = body.toString('utf8');
  const check = scanModel(chunks);
  if (check.kind !== 'found' || check.model !== BENCH_MODEL)
    throw new Error(`scanModel did not find the model (${check.kind})`);
  if (modelOf(JSON.parse(text)) !== BENCH_MODEL) throw new Error('JSON.parse did not find the model');
  const scan = (input: readonly Uint8Array[]) => () => {
    const result = scanModel(input);
    return result.kind === 'found' ? result.end : 0;
  };
  return {
    mib,
    scanChunkedMs: timePerCall(scan(chunks), microMs).ms,
    scanUint8ArrayMs: timePerCall(scan(plain), microMs).ms,
    parseMs: timePerCall(() => modelOf(JSON.parse(text)).length, microMs).ms,
    concatDecodeParseMs: timePerCall(
      () => modelOf(JSON.parse(Buffer.concat(chunks).toString('utf8'))).length,
      microMs,
    ).ms,
  };
}

process.stdout.write(
  `large-body: model extraction on ${sizes.join(', ')} MiB bodies (model key after a base64 image)\n`,
);
const microRows = sizes.map(micro);
printTable(
  'Model extraction, ms per body (scanModel on 64 KiB Buffer chunks as node:http delivers them; JSON.parse on text)',
  [
    'body',
    'scanModel',
    'scan Uint8Array',
    'JSON.parse',
    'concat+decode+parse',
    'parse / scan',
    'scan ms per MiB',
  ],
  microRows.map((row) => [
    `${row.mib} MiB`,
    fmt(row.scanChunkedMs, 3),
    fmt(row.scanUint8ArrayMs, 3),
    fmt(row.parseMs, 3),
    fmt(row.concatDecodeParseMs, 3),
    `${fmt(row.parseMs / row.scanChunkedMs, 1)}x`,
    fmt(row.scanChunkedMs / row.mib, 4),
  ]),
);
process.stdout.write(
  "'scan Uint8Array': the same chunks as plain Uint8Array views (a Web stream's chunks, e.g. on Workers), where\n" +
    'indexOf is a generic loop rather than the memchr Buffer.indexOf uses.\n',
);
if (sink === 42) process.stdout.write('\n');

// ---- 2. memory while many large bodies are held open ----

interface HoldRow {
  readonly target: TargetName;
  readonly result: BurstResult;
  readonly rssBefore: number;
  readonly rssPeak: number;
  readonly rssAfter: number;
  readonly foreignCores: number;
}

/** Outcome of `n` requests sent at once, from `llm-router bench`'s report. */
interface BurstResult {
  readonly ok: number;
  readonly errors: number;
  readonly errorKinds: Record<string, number>;
  /** First request sent to last answer. */
  readonly wallMs: number;
  readonly latency: { readonly p50: number | null; readonly max: number | null };
}

/** `n` concurrent requests (one connection each, closed loop of n used once) with a `bytes`-byte image body. */
async function burst(target: Target, n: number, bytes: number): Promise<BurstResult> {
  const dataset = join(tmp, `image-${bytes}.jsonl`);
  if (!existsSync(dataset)) writeFileSync(dataset, `${imageBody(bytes).toString('utf8')}\n`);
  const report = await runLlmBench([
    '--url',
    target.url,
    '--model',
    BENCH_MODEL,
    '--concurrency',
    String(n),
    '--requests',
    String(n),
    '--no-stream',
    '--dataset',
    dataset,
    '--timeout',
    '60',
  ]);
  return {
    ok: report.requests.ok,
    errors: report.requests.failed + (n - report.requests.total),
    errorKinds: report.errors,
    wallMs: report.duration_s * 1000,
    latency: { p50: report.latency_ms.p50, max: report.latency_ms.max },
  };
}

async function hold(target: Target): Promise<HoldRow> {
  // Warm the path with small bodies (answered at once), then measure from a settled baseline.
  await burst(target, 20, 4096);
  const rssBefore = rssBytes(target.child.pid);
  const sampler = new RssSampler(target.child.pid, 20);
  const foreign = new ForeignLoad();
  const result = await burst(target, count, bodyBytes);
  const foreignCores = foreign.stop();
  const rssPeak = sampler.stop();
  const rssAfter = rssBytes(target.child.pid);
  process.stdout.write(`  ${target.name.padEnd(7)} ${result.ok}/${count} ok, peak RSS ${mb(rssPeak)} MB\n`);
  return { target: target.name, result, rssBefore, rssPeak, rssAfter, foreignCores };
}

const tmp = mkdtempSync(join(tmpdir(), 'llm-router-large-body-'));
process.once('exit', () => rmSync(tmp, { recursive: true, force: true }));
let exitCode = 0;
const fleet = await startFleet({ targets: selected, backend: { delayMs, delayMinBytes: 64 * 1024 } });
process.stdout.write(
  `\nholding ${count} concurrent ${fmt(bodyBytes / MiB, 1)} MiB requests (backend answers after ${delayMs} ms)\n`,
);
try {
  const holdRows: HoldRow[] = [];
  for (const target of fleet.targets) holdRows.push(await hold(target));
  printTable(
    `RSS while ${count} x ${fmt(bodyBytes / MiB, 1)} MiB requests are in flight (MB)`,
    [
      'target',
      'ok',
      'errors',
      'wall s',
      'RSS before',
      'RSS peak',
      'growth',
      'growth per request KB',
      'RSS after',
      'other load',
    ],
    holdRows.map((row) => [
      row.target,
      `${row.result.ok}/${count}`,
      String(row.result.errors),
      fmt(row.result.wallMs / 1000, 2),
      mb(row.rssBefore),
      mb(row.rssPeak),
      `+${mb(row.rssPeak - row.rssBefore)}`,
      fmt((row.rssPeak - row.rssBefore) / 1024 / count, 0),
      mb(row.rssAfter),
      fmt(row.foreignCores, 2),
    ]),
  );
  const verdicts: string[] = [];
  const tenMiB = microRows.find((row) => row.mib === 10);
  if (tenMiB) {
    verdicts.push(
      verdict(
        tenMiB.scanChunkedMs < tenMiB.parseMs / 10,
        `scanModel on 10 MiB: ${fmt(tenMiB.scanChunkedMs, 3)} ms vs JSON.parse ${fmt(tenMiB.parseMs, 2)} ms ` +
          '(reference: 0.36 vs 16.9 ms)',
      ),
    );
  }
  const router = holdRows.find((row) => row.target === 'router');
  const pipe = holdRows.find((row) => row.target === 'pipe');
  if (router) {
    const growth = router.rssPeak - router.rssBefore;
    verdicts.push(verdict(router.result.ok === count, `router answered ${router.result.ok}/${count}`));
    verdicts.push(
      verdict(
        growth < 350 * MiB,
        `router RSS growth +${mb(growth)} MB` +
          (pipe ? ` (pipe +${mb(pipe.rssPeak - pipe.rssBefore)} MB)` : '') +
          ' vs Go router +350 MB (reference)',
      ),
    );
  }
  process.stdout.write(`\n${verdicts.join('\n')}\n`);
  process.stdout.write(
    'reference (PERFORMANCE.md): 200 x 1 MB held: pipe +63 MB, buffering Hono ~+260 MB, Go router +350 MB, Portkey +941 MB\n',
  );
  const shapes = values.shapes === 'none' ? [] : (values.shapes.split(',') as UploadShape[]);
  const shapeRows: ShapeRow[] = [];
  for (const shape of shapes) shapeRows.push(...(await shapeMemory(shape, selected)));
  if (shapeRows.length > 0) {
    printTable(
      'Memory per in-flight request by body transfer shape (RSS growth while all are held, each shape on fresh processes)',
      ['shape', 'requests', 'target', 'ok', 'RSS growth MB', 'per request ÷ payload'],
      shapeRows.map((row) => [
        row.shape,
        `${row.count} x ${fmt(row.bytes / MiB, 2)} MiB`,
        row.target,
        `${row.ok}/${row.count}`,
        `+${mb(row.growth)}`,
        `${fmt(row.growth / row.count / row.bytes, 2)}x`,
      ]),
    );
    process.stdout.write(
      'The pipe proxy streams each body upstream as it arrives; the router holds it whole until the response\n' +
        'ends (a retry resends it), so ~1x payload is its floor. The adversarial test bounds it at 3x + 24 MB.\n',
    );
    const shapeVerdicts = shapeRows
      .filter((row) => row.target === 'router')
      .map((row) =>
        verdict(
          row.growth < 3 * row.count * row.bytes + 24 * MiB,
          `router ${row.shape}: ${fmt(row.growth / row.count / row.bytes, 2)}x payload per request`,
        ),
      );
    process.stdout.write(`\n${shapeVerdicts.join('\n')}\n`);
    verdicts.push(...shapeVerdicts);
  }
  if (verdicts.some((line) => line.startsWith('FAIL'))) exitCode = 1;
  const path = writeResult('large-body', {
    args: values,
    micro: microRows,
    hold: holdRows,
    shapes: shapeRows,
    verdicts,
  });
  process.stdout.write(`result: ${path}\n`);
} catch (error) {
  process.stderr.write(`large-body failed: ${error instanceof Error ? error.message : String(error)}\n`);
  exitCode = 2;
} finally {
  await fleet.close();
}
process.exit(exitCode);

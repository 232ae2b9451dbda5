/**
 * Added latency of the Worker path next to the Node path, for one non-streaming request at a time: the
 * trivial backend directly, the Node router (its own process, bin/llm-router.mjs) and the Worker under
 * workerd through the Miniflare API (not wrangler dev, whose Node proxy would be measured too), all in
 * front of the same backend with the same config. Requests go round-robin over the three targets, so
 * drift on this shared box hits them alike. Also counts the Durable Object round trips per Worker
 * request over every state object (the model's shard and the global one).
 *
 *   npx tsx bench/worker.ts [--requests 300] [--warmup 30]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { GLOBAL_SHARD, shardName } from '../src/index.ts';
import { startWorker } from '../tools/miniflare/start-worker.ts';
import { BENCH_MODEL, chatBody } from './lib/bodies.ts';
import { writeResult } from './lib/results.ts';
import { BENCH_BACKEND_FILE, routerConfigTexts } from './lib/router-config.ts';
import { type Summary, summarize } from './lib/stats.ts';
import { ForeignLoad } from './lib/system-cpu.ts';
import { fmt, printTable, signed, verdict } from './lib/table.ts';
import { startFleet } from './lib/targets.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '30' },
  },
});
const requests = Number(values.requests);
const warmup = Number(values.warmup);
const SHARDS = [GLOBAL_SHARD, shardName(BENCH_MODEL)];

const body = chatBody(1024).toString();
const headers = { 'content-type': 'application/json' };

/** One request, write to last byte, in ms. */
async function timeOne(url: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers, body });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${url}: status ${response.status}`);
  return performance.now() - started;
}

/** Until two reads 100 ms apart agree: releases are sent after the body ends, in waitUntil. */
async function settledCalls(read: () => Promise<number>): Promise<number> {
  let last = await read();
  while (true) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const next = await read();
    if (next === last) return next;
    last = next;
  }
}

const fleet = await startFleet({ targets: ['direct', 'router'] });
const node = fleet.targets.find((target) => target.name === 'router');
if (!node) throw new Error('the Node router did not start');
const texts = routerConfigTexts(fleet.backend.url);
// The Node bench router runs without inbound keys; the Worker refuses that unless told to.
const worker = await startWorker({
  mainConfig: texts.main,
  backendFiles: { [BENCH_BACKEND_FILE]: texts.backendFile },
  bindings: { ALLOW_NO_AUTH: 'true' },
});

let exitCode = 0;
try {
  const targets = [
    { name: 'direct', url: `${fleet.backend.url}/v1/chat/completions` },
    { name: 'node', url: `${node.url}/v1/chat/completions` },
    { name: 'worker', url: `${worker.url}/v1/chat/completions` },
  ] as const;
  process.stdout.write(
    `worker: ${requests} sequential non-streaming ${body.length}-byte chat requests per target` +
      ` (after ${warmup} warm-up), round-robin over ${targets.map((t) => t.name).join(', ')}\n`,
  );
  for (let i = 0; i < warmup; i++) for (const target of targets) await timeOne(target.url);
  const callsBefore = await settledCalls(() => worker.stateCalls(SHARDS));
  const samples = new Map<string, number[]>(targets.map((target) => [target.name, []]));
  const foreign = new ForeignLoad();
  for (let i = 0; i < requests; i++)
    for (const target of targets) samples.get(target.name)?.push(await timeOne(target.url));
  const foreignCores = foreign.stop();
  const callsPerRequest = ((await settledCalls(() => worker.stateCalls(SHARDS))) - callsBefore) / requests;

  const stats = new Map<string, Summary>(
    [...samples].map(([name, values]) => [name, summarize(values)] as const),
  );
  const direct = stats.get('direct')!;
  const viaNode = stats.get('node')!;
  const rows = targets.map(({ name }) => {
    const s = stats.get(name)!;
    return [
      name,
      fmt(s.p50, 2),
      fmt(s.p99, 2),
      name === 'direct' ? '-' : signed(s.p50 - direct.p50),
      name === 'direct' ? '-' : signed(s.p99 - direct.p99),
      name === 'worker' ? signed(s.p50 - viaNode.p50) : '-',
      name === 'worker' ? signed(s.p99 - viaNode.p99) : '-',
      name === 'worker' ? fmt(callsPerRequest, 2) : '-',
    ];
  });
  printTable(
    `one request at a time (ms; other load ${fmt(foreignCores, 2)} cores)`,
    ['target', 'p50', 'p99', 'added p50', 'added p99', 'vs node p50', 'vs node p99', 'DO calls/req'],
    rows,
  );
  const fewCalls = callsPerRequest <= 2;
  process.stdout.write(
    `\n${verdict(fewCalls, `Durable Object round trips per request ${fmt(callsPerRequest, 2)} (target <= 2: acquire; first byte, release and record in one batch)`)}\n`,
  );
  if (!fewCalls) exitCode = 1;
  const result = writeResult('worker', {
    requests,
    warmup,
    bodyBytes: body.length,
    foreignCores,
    durableObjectCallsPerRequest: callsPerRequest,
    targets: Object.fromEntries(stats),
  });
  process.stdout.write(`\nresult: ${result}\n`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  exitCode = 2;
} finally {
  await worker.close();
  await fleet.close();
}
process.exit(exitCode);

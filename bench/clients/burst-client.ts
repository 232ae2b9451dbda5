/**
 * Sends N requests at once (one connection each) with a large image body and waits for all answers;
 * prints one JSON line. Used to hold many large bodies open inside a proxy.
 *
 *   node --import tsx bench/clients/burst-client.ts --url http://127.0.0.1:9002/v1/chat/completions \
 *     --count 200 --bytes 1048576
 */
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { imageBody } from '../lib/bodies.ts';
import { exitWithParent } from '../lib/children.ts';
import { type Summary, summarize } from '../lib/stats.ts';

export interface BurstResult {
  readonly count: number;
  readonly bytes: number;
  readonly ok: number;
  readonly errors: number;
  readonly statuses: Record<string, number>;
  readonly wallMs: number;
  /** Milliseconds per request, first byte written to last byte read. */
  readonly latency: Summary;
}

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    count: { type: 'string', default: '200' },
    bytes: { type: 'string', default: String(1024 * 1024) },
    'timeout-s': { type: 'string', default: '60' },
  },
});
exitWithParent();
if (!values.url) throw new Error('--url is required');
const url = new URL(values.url);
const count = Number(values.count);
const body = imageBody(Number(values.bytes));
const headers = { 'content-type': 'application/json', 'content-length': String(body.length) };
const agent = new Agent({ keepAlive: false, maxSockets: Infinity });

const latencies: number[] = [];
const statuses: Record<string, number> = {};
let ok = 0;
let errors = 0;
let finished = 0;
const started = performance.now();

function report(): void {
  const result: BurstResult = {
    count,
    bytes: body.length,
    ok,
    errors,
    statuses,
    wallMs: performance.now() - started,
    latency: summarize(latencies),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

function settle(status: string, ms: number): void {
  statuses[status] = (statuses[status] ?? 0) + 1;
  if (status === '200') {
    ok++;
    latencies.push(ms);
  } else {
    errors++;
  }
  finished++;
  if (finished === count) report();
}

for (let i = 0; i < count; i++) {
  const t0 = performance.now();
  let settled = false;
  const once = (status: string) => {
    if (settled) return;
    settled = true;
    settle(status, performance.now() - t0);
  };
  const req = request(
    { agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers },
    (res) => {
      res.on('data', () => {});
      res.on('end', () => once(String(res.statusCode)));
      res.on('error', () => once('error'));
    },
  );
  req.on('error', () => once('error'));
  req.end(body);
}
setTimeout(() => {
  errors += count - finished;
  report();
}, Number(values['timeout-s']) * 1000).unref();

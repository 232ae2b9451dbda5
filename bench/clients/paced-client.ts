/**
 * Open-loop client: POSTs a body at a fixed rate (wrk2-style pacing) over keep-alive connections and
 * prints one JSON line with latency percentiles. Latency runs from just before the request is written to
 * the last response byte. Light enough (≈ 30 µs per request) to share a 2-core box with the proxy.
 *
 *   node --import tsx bench/clients/paced-client.ts --url http://127.0.0.1:9002/v1/chat/completions \
 *     --body-file body.json --rate 500 --seconds 10 [--warmup 1] [--connections 64]
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { exitWithParent } from '../lib/children.ts';
import { type Summary, summarize } from '../lib/stats.ts';

export interface PacedResult {
  readonly rate: number;
  readonly seconds: number;
  readonly sent: number;
  readonly ok: number;
  readonly errors: number;
  readonly achievedRate: number;
  /** Milliseconds. */
  readonly latency: Summary;
}

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    'body-file': { type: 'string' },
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '1' },
    connections: { type: 'string', default: '64' },
  },
});
exitWithParent();
if (!values.url || !values['body-file']) throw new Error('--url and --body-file are required');
const url = new URL(values.url);
const body = readFileSync(values['body-file']);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const warmupMs = Number(values.warmup) * 1000;
const agent = new Agent({ keepAlive: true, maxSockets: Number(values.connections) });
const headers = { 'content-type': 'application/json', 'content-length': String(body.length) };

const latencies: number[] = [];
let sent = 0;
let ok = 0;
let errors = 0;
let inflight = 0;

function fire(record: boolean): void {
  inflight++;
  if (record) sent++;
  const started = performance.now();
  const req = request(
    { agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers },
    (res) => {
      res.on('data', () => {});
      res.on('end', () => {
        inflight--;
        if (!record) return;
        if (res.statusCode === 200) {
          ok++;
          latencies.push(performance.now() - started);
        } else {
          errors++;
        }
      });
    },
  );
  req.on('error', () => {
    inflight--;
    if (record) errors++;
  });
  req.end(body);
}

const intervalMs = 1000 / rate;
const start = performance.now();
const measureFrom = start + warmupMs;
const end = measureFrom + seconds * 1000;
let next = start;

function tick(): void {
  const now = performance.now();
  while (next <= now && next < end) {
    fire(next >= measureFrom);
    next += intervalMs;
  }
  if (next < end) {
    setTimeout(tick, Math.max(0, next - performance.now()));
    return;
  }
  const drainUntil = performance.now() + 5000;
  const drain = () => {
    if (inflight > 0 && performance.now() < drainUntil) {
      setTimeout(drain, 10);
      return;
    }
    const result: PacedResult = {
      rate,
      seconds,
      sent,
      ok,
      errors: errors + inflight,
      achievedRate: sent / seconds,
      latency: summarize(latencies),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  };
  drain();
}
tick();

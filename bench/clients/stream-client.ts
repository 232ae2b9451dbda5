/**
 * Opens N concurrent SSE streams (POST with "stream":true) over a ramp and prints one JSON line:
 * time to first byte (first event), gaps between events as they arrive, and events that arrived glued
 * to a previous one in the same read (a proxy that does not flush per event shows up there).
 *
 *   node --import tsx bench/clients/stream-client.ts --url http://127.0.0.1:9002/v1/chat/completions \
 *     --streams 1000 --events 20 [--ramp-ms 500] [--timeout-s 60]
 */
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { chatBody } from '../lib/bodies.ts';
import { exitWithParent } from '../lib/children.ts';
import { type Summary, summarize } from '../lib/stats.ts';

export interface StreamResult {
  readonly streams: number;
  readonly completed: number;
  readonly errors: number;
  readonly incomplete: number;
  readonly peakOpen: number;
  readonly wallMs: number;
  /** Milliseconds from writing the request to the first body byte. */
  readonly ttfb: Summary;
  /** Milliseconds between consecutive events of a stream. */
  readonly gaps: Summary;
  readonly events: number;
  /** Events that arrived in the same read as the event before them. */
  readonly clumped: number;
}

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    streams: { type: 'string', default: '1000' },
    events: { type: 'string', default: '20' },
    'ramp-ms': { type: 'string', default: '500' },
    'timeout-s': { type: 'string', default: '60' },
  },
});
exitWithParent();
if (!values.url) throw new Error('--url is required');
const url = new URL(values.url);
const streams = Number(values.streams);
const expectedEvents = Number(values.events);
const rampMs = Number(values['ramp-ms']);
const body = chatBody(200, true);
const headers = {
  'content-type': 'application/json',
  'content-length': String(body.length),
  accept: 'text/event-stream',
};
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
const NEWLINE = 0x0a;

const ttfbs: number[] = [];
const gaps: number[] = [];
let completed = 0;
let errors = 0;
let incomplete = 0;
let events = 0;
let clumped = 0;
let open = 0;
let peakOpen = 0;
let finished = 0;
const started = performance.now();

function done(): void {
  finished++;
  open--;
  if (finished === streams) report();
}

function report(): void {
  const result: StreamResult = {
    streams,
    completed,
    errors,
    incomplete,
    peakOpen,
    wallMs: performance.now() - started,
    ttfb: summarize(ttfbs),
    gaps: summarize(gaps),
    events,
    clumped,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

function openStream(): void {
  open++;
  peakOpen = Math.max(peakOpen, open);
  const t0 = performance.now();
  let settled = false;
  const settle = (outcome: 'ok' | 'error' | 'incomplete') => {
    if (settled) return;
    settled = true;
    if (outcome === 'ok') completed++;
    else if (outcome === 'error') errors++;
    else incomplete++;
    done();
  };
  const req = request(
    { agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers },
    (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        settle('error');
        return;
      }
      let seen = 0;
      let last = -1;
      let carry = false;
      res.on('data', (chunk: Buffer) => {
        const now = performance.now();
        if (last < 0) ttfbs.push(now - t0);
        // Count "\n\n" event ends, including one split across two reads.
        let ended = 0;
        let pending = carry;
        let lastAt = -1;
        for (let at = chunk.indexOf(NEWLINE); at >= 0; at = chunk.indexOf(NEWLINE, at + 1)) {
          if (lastAt === at - 1 && pending) {
            ended++;
            pending = false;
          } else {
            pending = true;
          }
          lastAt = at;
        }
        carry = pending && lastAt === chunk.length - 1;
        if (ended > 0) {
          if (last >= 0) gaps.push(now - last);
          for (let k = 1; k < ended; k++) gaps.push(0);
          clumped += ended - 1;
          seen += ended;
          events += ended;
        }
        last = now;
      });
      res.on('end', () => settle(seen === expectedEvents ? 'ok' : 'incomplete'));
      res.on('error', () => settle('error'));
    },
  );
  req.on('error', () => settle('error'));
  req.end(body);
}

const perMs = rampMs > 0 ? streams / rampMs : streams;
let launched = 0;
function launch(): void {
  const due = rampMs > 0 ? Math.min(streams, Math.ceil((performance.now() - started) * perMs) + 1) : streams;
  while (launched < due) {
    launched++;
    openStream();
  }
  if (launched < streams) setTimeout(launch, 1);
}
launch();
setTimeout(() => {
  incomplete += streams - finished;
  report();
}, Number(values['timeout-s']) * 1000).unref();

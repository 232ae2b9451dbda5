import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RssSampler } from '../../bench/lib/proc-stats.ts';
import { killAllCli } from '../support/cli.ts';
import { waitFor } from '../support/router-fixture.ts';
import { type RouterProcess, startRouterProcess } from '../support/router-process.ts';
import { metricValue } from '../support/sse.ts';
import { type StubUpstream, startStubUpstream } from '../support/stub-upstream.ts';

const STREAMS = 1000;
const EVENT = `data: ${JSON.stringify({ choices: [{ delta: { content: 'x'.repeat(400) } }] })}\n\n`;
/** Each stream's upstream sends an event this often, for as long as the router reads. */
const EVENT_EVERY_MS = 20;
const HOLD_MS = 5000;
const KiB = 1024;
const MiB = 1024 * KiB;
/** The stated bound: router RSS growth per open stream whose client reads a byte a second. */
const PER_STREAM = 160 * KiB;

/**
 * The slow-client test of the adversarial suite (and item 5): 1,000 streams whose clients read one byte
 * per second. The router must hold bounded memory (backpressure reaches the upstream instead of piling up
 * in the router), leak no listeners, and cancel every upstream when its client goes.
 */
describe(`${STREAMS} slow-reader streams through the router process`, () => {
  let upstream: StubUpstream;
  let router: RouterProcess;
  const written = new Map<object, number>();
  const clients: Socket[] = [];

  beforeAll(async () => {
    upstream = await startStubUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      written.set(res, 0);
      let waiting = false;
      const timer = setInterval(() => {
        if (waiting || res.destroyed) return;
        written.set(res, (written.get(res) ?? 0) + EVENT.length);
        // An engine whose socket is full waits too: what the router does not read stays upstream.
        if (!res.write(EVENT)) {
          waiting = true;
          res.once('drain', () => {
            waiting = false;
          });
        }
      }, EVENT_EVERY_MS);
      res.on('close', () => clearInterval(timer));
    });
    router = await startRouterProcess({
      main: { log: { level: 'warn' } },
      backends: [{ model_name: 'm', api_base: upstream.url }],
      // The bound is about what the router keeps per stream, not V8's young generation: Node 24 lets
      // that grow to ~150 MiB under this allocation rate (Node 20: ~20 MiB), whatever is retained.
      env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-semi-space-size=16`.trim() },
    });
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await router?.close();
    await upstream?.close();
    await killAllCli();
  });

  /** Opens a stream and resolves once its response head arrived; the client then stops reading. */
  const open = (): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] });
      const socket = connect(router.port, '127.0.0.1');
      clients.push(socket);
      let head = '';
      const onData = (chunk: Buffer) => {
        head += chunk.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        socket.off('data', onData);
        socket.pause();
        if (head.startsWith('HTTP/1.1 200 ')) resolve(socket);
        else reject(new Error(head.slice(0, 200)));
      };
      socket.on('data', onData);
      socket.on('error', reject);
      socket.write(
        `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });

  it('bounded memory, no leaked listeners, and every upstream cancelled when its client goes', async () => {
    const baseline = router.rss();
    const peak = new RssSampler(router.pid, 100);
    const sockets: Socket[] = [];
    for (let i = 0; i < STREAMS; i += 100)
      sockets.push(...(await Promise.all(Array.from({ length: 100 }, open))));
    expect(upstream.requests.length).toBe(STREAMS);

    // One byte a second per client, for HOLD_MS.
    const reader = setInterval(() => {
      for (const socket of sockets) socket.read(1);
    }, 1000);
    await new Promise((resolve) => setTimeout(resolve, HOLD_MS));
    clearInterval(reader);
    const grown = peak.stop() - baseline;
    const perStreamSent = [...written.values()];
    process.stdout.write(
      `slow readers: ${STREAMS} streams, router RSS +${(grown / MiB).toFixed(1)} MiB ` +
        `(${(grown / STREAMS / KiB).toFixed(0)} KiB per stream), upstream sent up to ` +
        `${(Math.max(...perStreamSent) / KiB).toFixed(0)} KiB per stream\n`,
    );
    expect(grown).toBeLessThan(STREAMS * PER_STREAM);
    expect(router.proc.stderr()).not.toContain('MaxListenersExceededWarning');
    const metrics = await (await fetch(`${router.url}/metrics`)).text();
    expect(metricValue(metrics, 'llm_router_inflight_requests')).toBe(STREAMS);

    // The clients go: every upstream generation is cancelled, and nothing stays in flight.
    const abortedBefore = upstream.aborted();
    for (const socket of sockets) socket.destroy();
    expect(await waitFor(() => upstream.aborted() - abortedBefore === STREAMS, 10_000, 50)).toBe(true);
    expect(
      await waitFor(
        async () =>
          metricValue(await (await fetch(`${router.url}/metrics`)).text(), 'llm_router_inflight_requests') ===
          0,
        5000,
        50,
      ),
    ).toBe(true);
    expect(router.alive()).toBe(true);
  }, 90_000);
});

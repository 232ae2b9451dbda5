import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimServer } from '../../tools/sim/index.ts';
import {
  closeAll,
  inferenceCount,
  startSims,
  startTestRouter,
  type TestRouter,
  waitFor,
} from '../support/router-fixture.ts';
import { chatBody, postChat, tryConnect } from './support.ts';

const MODEL = 'to-model';

interface SlowClient {
  /** Milliseconds from connect until the router closed the socket. */
  readonly closedAfter: Promise<number>;
  /** Everything the router wrote back. */
  received(): string;
}

/** Writes `head` at once, then one `drip` every `everyMs` until the router closes the socket. */
async function slowClient(
  port: number,
  head: string,
  drip: (i: number) => string,
  everyMs: number,
): Promise<SlowClient> {
  const socket = await tryConnect(port);
  if (typeof socket === 'string') throw new Error(`connect failed: ${socket}`);
  const s: Socket = socket;
  const started = Date.now();
  let text = '';
  s.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
  });
  s.on('error', () => {});
  if (head) s.write(head);
  let i = 0;
  const timer = setInterval(() => {
    if (!s.destroyed && s.writable) s.write(drip(i++));
  }, everyMs);
  const closedAfter = new Promise<number>((resolve) => {
    s.once('close', () => {
      clearInterval(timer);
      resolve(Date.now() - started);
    });
  });
  // Never let a broken test leave the socket open.
  setTimeout(() => s.destroy(), 15_000).unref();
  return { closedAfter, received: () => text };
}

/** Issue 4 item 5: client-side read timeouts and upstream header timeouts. */
describe('timeouts on both sides', () => {
  let sims: SimServer[] = [];
  let router: TestRouter | undefined;

  afterEach(async () => {
    await router?.close();
    router = undefined;
    await closeAll(sims);
    sims = [];
  });

  it('cuts slow headers and a never-ending body at request_read_timeout while others are served', async () => {
    sims = await startSims([{ models: [MODEL], ttftMs: 1, tokensPerSecond: 1000 }]);
    const [sim] = sims as [SimServer];
    router = await startTestRouter({
      main: { server: { request_read_timeout: 2 } },
      backends: [{ model_name: MODEL, api_base: sim }],
    });
    const { port } = router.running;
    const header = 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(1000);
    // Slowloris: one header byte every 500 ms, never reaching the blank line.
    const loris = await slowClient(port, '', (i) => header[i % header.length]!, 500);
    // Complete headers, then a chunked body that trickles one byte every 300 ms and never ends.
    const trickle = await slowClient(
      port,
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'Transfer-Encoding: chunked\r\n\r\n3\r\n{"m\r\n',
      () => '1\r\n \r\n',
      300,
    );

    // Meanwhile a normal client is served at once, repeatedly.
    for (let i = 0; i < 5; i++) {
      const reply = await postChat(router.url, chatBody(MODEL, 1));
      expect(reply.status).toBe(200);
      expect(reply.ms).toBeLessThan(1000);
    }

    const [lorisMs, trickleMs] = await Promise.all([loris.closedAfter, trickle.closedAfter]);
    // Cut at ~2 s (plus Node's sweep period), not at Node's 30 s sweep default or never.
    for (const ms of [lorisMs, trickleMs]) {
      expect(ms).toBeGreaterThanOrEqual(1900);
      expect(ms).toBeLessThan(5000);
    }
    expect(loris.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(trickle.received()).toMatch(/^HTTP\/1\.1 408 /);
    // The half-received request never reached the backend.
    expect(inferenceCount(sim)).toBe(5);
    expect((await postChat(router.url, chatBody(MODEL, 1))).status).toBe(200);
  });

  it('an upstream that never answers is cut at http_client.header_timeout and the request fails over', async () => {
    sims = await startSims([
      { models: [MODEL], ttftMs: 1, faults: { hangRate: 1 } },
      { models: [MODEL], ttftMs: 1 },
    ]);
    const [hung, good] = sims as [SimServer, SimServer];
    let cancels = 0;
    hung.events.on('cancel', () => cancels++);
    router = await startTestRouter({
      main: { http_client: { header_timeout: 0.3 }, retry: { failure_threshold: 100 } },
      backends: [
        { model_name: MODEL, api_base: hung },
        { model_name: MODEL, api_base: good },
      ],
    });
    const replies = await Promise.all(
      Array.from({ length: 8 }, () => postChat(router!.url, chatBody(MODEL, 1))),
    );
    expect(replies.map((reply) => reply.status)).toEqual(Array(8).fill(200));
    const viaHung = inferenceCount(hung);
    expect(viaHung).toBeGreaterThan(0);
    // Every request that hit the hung backend waited for the header timeout, not longer.
    const slowest = Math.max(...replies.map((reply) => reply.ms));
    expect(slowest).toBeGreaterThanOrEqual(280);
    expect(slowest).toBeLessThan(2000);
    // The router hung up on each stuck upstream request, and each counted as a failure.
    expect(await waitFor(() => cancels === viaHung, 2000)).toBe(true);
    const live = (await router.running.router.view()).backends.find((b) => b.id === `${MODEL}@${hung.url}`);
    expect(live?.failures).toBe(viaHung);
    expect(inferenceCount(good)).toBe(8);
  });
});

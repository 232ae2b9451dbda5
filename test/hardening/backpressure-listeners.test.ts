import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRouter, type TestRouter, waitFor } from '../support/router-fixture.ts';
import { type StubUpstream, startStubUpstream } from '../support/stub-upstream.ts';

const CHUNK = Buffer.alloc(64 * 1024, 'x');
const TOTAL_CHUNKS = 320; // 20 MB: many more backpressure rounds than the default max of 10 listeners

/**
 * Item 5 of the hardening issue: the Node fast path waited for backpressure with
 * `Promise.race([once(res,'drain'), once(res,'close')])`, which leaves the losing listener behind on every
 * round, so one long stream to a slow client warned MaxListenersExceededWarning after 10 rounds.
 */
describe('a long stream to a client that reads in bursts', () => {
  let upstream: StubUpstream;
  let router: TestRouter;
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);

  beforeAll(async () => {
    upstream = await startStubUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      let sent = 0;
      const pump = () => {
        while (sent < TOTAL_CHUNKS) {
          sent++;
          if (!res.write(CHUNK)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    router = await startTestRouter({ backends: [{ model_name: 'm', api_base: upstream.url }] });
    process.on('warning', onWarning);
  });

  afterAll(async () => {
    process.off('warning', onWarning);
    await router?.close();
    await upstream?.close();
  });

  it('relays every byte and leaves no listener behind (no MaxListenersExceededWarning)', async () => {
    const { hostname, port } = new URL(router.url);
    const body = JSON.stringify({ model: 'm', stream: true });
    const received = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          hostname,
          port,
          path: '/v1/chat/completions',
          method: 'POST',
          agent: false,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let bytes = 0;
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
          });
          // Read in bursts: every pause lets the router's socket fill, every resume drains it.
          const toggle = setInterval(() => (res.isPaused() ? res.resume() : res.pause()), 15);
          res.on('end', () => {
            clearInterval(toggle);
            resolve(bytes);
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(received).toBe(CHUNK.length * TOTAL_CHUNKS);
    // Warnings are emitted on the next tick.
    await waitFor(() => false, 50);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});

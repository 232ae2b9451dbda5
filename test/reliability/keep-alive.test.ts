import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { describe, expect, it, type TestContext } from 'vitest';
import type { SimServer } from '../../tools/sim/index.ts';
import { startSims, startTestRouter, type TestRouter } from '../support/router-fixture.ts';
import { chatBody, postChat, sleep } from './support.ts';

const MODEL = 'ka-model';

/**
 * A uvicorn-like upstream (vLLM's server): it sends no `Keep-Alive: timeout=` hint and drops a connection
 * once it has been idle for `idleMs`. The drop is lazy, the way the race looks from the client: the next
 * request written on that socket is answered with a reset instead of a response.
 */
interface LazyCloseBackend {
  readonly apiBase: string;
  /** TCP connections accepted. */
  connections(): number;
  /** Requests that arrived on an expired socket and were reset. */
  resets(): number;
  close(): Promise<void>;
}

async function startLazyCloseBackend(idleMs: number): Promise<LazyCloseBackend> {
  const expired = new WeakSet<Socket>();
  const timers = new Map<Socket, NodeJS.Timeout>();
  let connections = 0;
  let resets = 0;
  const server: Server = createServer((req, res) => {
    const socket = req.socket;
    clearTimeout(timers.get(socket));
    req.resume();
    req.on('end', () => {
      const body =
        req.method === 'GET'
          ? JSON.stringify({
              object: 'list',
              data: [{ id: MODEL, object: 'model', created: 0, owned_by: 'test' }],
            })
          : JSON.stringify({
              id: 'chatcmpl-1',
              object: 'chat.completion',
              created: 0,
              model: MODEL,
              choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
            });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    res.on('finish', () => {
      timers.set(
        socket,
        setTimeout(() => expired.add(socket), idleMs),
      );
    });
  });
  // 0 disables Node's own idle close and its `Keep-Alive: timeout=` header: the expiry above is the only one.
  server.keepAliveTimeout = 0;
  server.on('connection', (socket: Socket) => {
    connections++;
    socket.prependListener('data', () => {
      if (!expired.has(socket)) return;
      resets++;
      socket.resetAndDestroy();
    });
    socket.once('close', () => {
      clearTimeout(timers.get(socket));
      timers.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    apiBase: `http://127.0.0.1:${port}/v1`,
    connections: () => connections,
    resets: () => resets,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Issue 4 item 5: pooled upstream connections that went stale never fail a request. */
describe.concurrent('stale keep-alive connections to the upstream', () => {
  type Closeable = TestRouter | SimServer | LazyCloseBackend;
  /** Tests here run concurrently: each one cleans up only what it started, through its own context. */
  function cleanup(context: TestContext, ...items: Closeable[]): void {
    context.onTestFinished(async () => {
      for (const item of items) await item.close();
    });
  }

  /** No retries and ejection at the first failure: any stale-socket failure would reach the client. */
  const strict = { routing: { num_retries: 0 }, retry: { failure_threshold: 1 } };

  async function spacedRequests(url: string, count: number, gapMs: number): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < count; i++) {
      if (i > 0) await sleep(gapMs);
      statuses.push((await postChat(url, chatBody(MODEL, 1))).status);
    }
    return statuses;
  }

  it('a sim closing idle connections after 1 s: requests 1.5 s apart all succeed', async (context) => {
    const [sim] = await startSims([{ models: [MODEL], ttftMs: 1, keepAliveTimeoutMs: 1000 }]);
    const router = await startTestRouter({ main: strict, backends: [{ model_name: MODEL, api_base: sim! }] });
    cleanup(context, router, sim!);
    expect(await spacedRequests(router.url, 4, 1500)).toEqual([200, 200, 200, 200]);
    const [live] = (await router.running.router.view()).backends;
    expect(live).toMatchObject({ healthy: true, failures: 0, successes: 4 });
  });

  it('an upstream without a keep-alive hint that resets a stale socket: the retry on a fresh socket hides it', async (context) => {
    const lazy = await startLazyCloseBackend(1000);
    // Default http_client.keep_alive_timeout (4 s) is above this upstream's 1 s: sockets do go stale.
    const router = await startTestRouter({
      main: strict,
      backends: [{ model_name: MODEL, api_base: lazy.apiBase }],
    });
    cleanup(context, router, lazy);
    expect(await spacedRequests(router.url, 4, 1500)).toEqual([200, 200, 200, 200]);
    // The stale sockets were really hit (so this test fails without the transparent retry)...
    expect(lazy.resets()).toBeGreaterThanOrEqual(2);
    // ...and none of it counted against the backend.
    const [live] = (await router.running.router.view()).backends;
    expect(live).toMatchObject({ healthy: true, failures: 0, successes: 4, consecutiveFailures: 0 });
  });

  it('keep_alive_timeout below the upstream idle time: pooled sockets are dropped before they go stale', async (context) => {
    const lazy = await startLazyCloseBackend(1000);
    const router = await startTestRouter({
      main: { ...strict, http_client: { keep_alive_timeout: 0.5 } },
      backends: [{ model_name: MODEL, api_base: lazy.apiBase }],
    });
    cleanup(context, router, lazy);
    expect(await spacedRequests(router.url, 3, 1500)).toEqual([200, 200, 200]);
    expect(lazy.resets()).toBe(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../tools/sim/index.ts';
import { closeAll, startSims, waitFor } from '../support/router-fixture.ts';
import { chatJson, readSse } from '../support/sse.ts';
import { startWorkerTarget, type WorkerTarget } from './worker-target.ts';

const KEY = 'linger-key';
/** The Worker's linger bound for this suite; every stream below lasts several times longer. */
const LINGER_MS = 300;
const headers = { 'content-type': 'application/json', authorization: `Bearer ${KEY}` };

interface DashboardBackend {
  readonly connections: number;
  readonly pending: number;
  readonly completed: number;
}

async function backendOf(worker: WorkerTarget): Promise<DashboardBackend | undefined> {
  const response = await fetch(`${worker.url}/api/dashboard`, { headers });
  return ((await response.json()) as { backends: DashboardBackend[] }).backends[0];
}

describe('release at the end of a stream longer than the linger bound (workerd)', () => {
  let sim: SimServer;
  let worker: WorkerTarget;

  beforeAll(async () => {
    // 24 tokens at 16 tokens/s: a stream of about 1.5 s, five times the linger bound.
    [sim] = (await startSims([{ models: ['slow'], ttftMs: 0, tokensPerSecond: 16 }])) as [SimServer];
    worker = await startWorkerTarget({
      main: { server: { api_keys: [KEY] } },
      backends: [{ model_name: 'slow', api_base: sim, max_concurrency: 1 }],
      bindings: { ROUTER_LINGER_MS: String(LINGER_MS) },
    });
  });

  afterAll(async () => {
    await worker?.close();
    await closeAll([sim]);
  });

  it('records the release, so in-flight returns to 0 and max_concurrency frees', async () => {
    const stream = async () => {
      const started = Date.now();
      const response = await fetch(`${worker.url}/v1/chat/completions`, {
        method: 'POST',
        headers,
        body: chatJson('slow', { stream: true, max_tokens: 24 }),
      });
      expect(response.status).toBe(200);
      const events = await readSse(response.body!);
      expect(events.at(-1)?.data).toBe('[DONE]');
      return Date.now() - started;
    };
    expect(await stream()).toBeGreaterThan(3 * LINGER_MS);
    expect(await waitFor(async () => (await backendOf(worker))?.completed === 1, 3000, 50)).toBe(true);
    expect(await backendOf(worker)).toMatchObject({ connections: 0, pending: 0 });
    // A leaked count would leave the only slot taken and this one would wait, then fail with 503.
    expect(await stream()).toBeGreaterThan(3 * LINGER_MS);
    expect(await waitFor(async () => (await backendOf(worker))?.completed === 2, 3000, 50)).toBe(true);
    expect(await backendOf(worker)).toMatchObject({ connections: 0, pending: 0 });
  });

  it('a request waiting for the one slot polls its Durable Object every 250 ms, not every 20 ms', async () => {
    const holder = await fetch(`${worker.url}/v1/chat/completions`, {
      method: 'POST',
      headers,
      body: chatJson('slow', { stream: true, max_tokens: 24 }),
    });
    const before = await worker.stateCalls(['model:slow']);
    const started = Date.now();
    const waiter = await fetch(`${worker.url}/v1/chat/completions`, {
      method: 'POST',
      headers,
      body: chatJson('slow', { max_tokens: 1 }),
    });
    const waitedMs = Date.now() - started;
    expect(waiter.status).toBe(200);
    await waiter.arrayBuffer();
    await readSse(holder.body!);
    const calls = (await worker.stateCalls(['model:slow'])) - before;
    expect(waitedMs).toBeGreaterThan(1000);
    // About waitedMs / 250 polls, plus the holder's and the waiter's own few calls; 20 ms polls would be ~70.
    expect(calls).toBeLessThanOrEqual(Math.ceil(waitedMs / 250) + 6);
  });
});

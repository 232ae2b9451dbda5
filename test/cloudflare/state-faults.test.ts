import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../tools/sim/index.ts';
import { closeAll, startSims, waitFor } from '../support/router-fixture.ts';
import { startWorkerTarget, type WorkerTarget } from './worker-target.ts';

const KEY = 'faults-key';
const auth = { authorization: `Bearer ${KEY}` };
const CHAT = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 });

interface Faults {
  acquire?: number;
  apply?: number;
  lose?: number;
  history?: number;
}

/**
 * Issue 10, item 4, under workerd: the Worker's releases travel to Durable Objects and can be lost. A
 * failed acquire is a 503 envelope; failed batches are sent again and applied once; a release lost for
 * good frees its max_concurrency slot when the attempt's lease runs out (ROUTER_LEASE_MS).
 */
describe('Worker state under Durable Object failures (workerd)', () => {
  let sim: SimServer;
  let worker: WorkerTarget;

  beforeAll(async () => {
    [sim] = (await startSims([{ models: ['m'], ttftMs: 1, tokensPerSecond: 1000 }])) as [SimServer];
    worker = await startWorkerTarget({
      entry: 'test/cloudflare/faulty-objects.worker.ts',
      main: { server: { api_keys: [KEY] }, rate_limit: { max_wait_ms: 300 } },
      backends: [{ model_name: 'm', api_base: sim, max_concurrency: 1 }],
      bindings: { ROUTER_LEASE_MS: '1500' },
    });
  });
  afterAll(async () => {
    await worker?.close();
    await closeAll([sim]);
  });

  const setFaults = async (faults: Faults) => {
    const namespace = await worker.mf.getDurableObjectNamespace('ROUTER_STATE');
    const stub = namespace.get(namespace.idFromName('global')) as unknown as {
      setFaults(f: Faults): Promise<void>;
    };
    await stub.setFaults({ acquire: 0, apply: 0, lose: 0, history: 0, ...faults });
  };
  const chat = async () => {
    const response = await fetch(`${worker.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: CHAT,
    });
    return { status: response.status, body: await response.text() };
  };
  const backend = async () => {
    const response = await fetch(`${worker.url}/api/dashboard`, { headers: auth });
    const data = (await response.json()) as {
      backends: {
        connections: number;
        completed: number;
        total_requests: number;
        last_error: string | null;
      }[];
    };
    return data.backends[0];
  };

  it('a failing acquire is a 503 state_unavailable envelope', async () => {
    await setFaults({ acquire: 1 });
    const answer = await chat();
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body).error).toMatchObject({ code: 'state_unavailable', type: 'server_error' });
    expect((await chat()).status).toBe(200);
  });

  it('failed and lost batches are sent again and applied once', async () => {
    await setFaults({});
    const before = await backend();
    await setFaults({ apply: 2, lose: 1 });
    expect((await chat()).status).toBe(200);
    expect(await waitFor(async () => (await backend())?.connections === 0, 5000, 50)).toBe(true);
    const after = await backend();
    expect((after?.completed ?? 0) - (before?.completed ?? 0)).toBe(1);
    expect((await chat()).status).toBe(200);
  });

  it('a release lost for good holds the slot only until the lease runs out', async () => {
    await setFaults({ apply: 1000 });
    expect((await chat()).status).toBe(200);
    const saturated = await chat();
    expect(saturated.status).toBe(503);
    expect(JSON.parse(saturated.body).error.code).toBe('backends_at_capacity');
    // Every resend of the release fails too; the lease (1.5 s here) frees the slot.
    expect(await waitFor(async () => (await backend())?.connections === 0, 6000, 100)).toBe(true);
    expect((await backend())?.last_error).toContain('lease expired');
    await setFaults({});
    expect((await chat()).status).toBe(200);
  });
});

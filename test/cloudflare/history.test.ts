import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GLOBAL_SHARD, shardName } from '../../src/state/shard-name.ts';
import type { SimServer } from '../../tools/sim/index.ts';
import { closeAll, startSims } from '../support/router-fixture.ts';
import { startWorkerTarget, type WorkerTarget } from './worker-target.ts';

const KEY = 'history-key';
const auth = { authorization: `Bearer ${KEY}` };
const SHARDS = [GLOBAL_SHARD, shardName('m'), shardName('n')];

/**
 * Issue 10, item 3: the Worker's `/api/history` did Durable Object work before auth (a sample per
 * request, 1 + models DO calls each, pushed into the 120-slot ring) and a DO error escaped as a platform
 * error. Now auth comes first and the scheduler object samples once a second on its alarm.
 */
describe('/api/history on Workers (workerd)', () => {
  let sims: SimServer[];
  let worker: WorkerTarget;

  beforeAll(async () => {
    sims = await startSims([{ models: ['m'] }, { models: ['n'] }]);
    worker = await startWorkerTarget({
      entry: 'test/cloudflare/faulty-objects.worker.ts',
      main: { server: { api_keys: [KEY] } },
      backends: [
        { model_name: 'm', api_base: sims[0]! },
        { model_name: 'n', api_base: sims[1]! },
      ],
    });
  });
  afterAll(async () => {
    await worker?.close();
    await closeAll(sims);
  });

  const samples = async () => {
    const response = await fetch(`${worker.url}/api/history`, { headers: auth });
    expect(response.status).toBe(200);
    return ((await response.json()) as { samples: unknown[] }).samples.length;
  };

  it('answers an unauthenticated request 401 without one Durable Object call', async () => {
    // Build the isolate's router first (it registers backends in their shards).
    expect((await fetch(`${worker.url}/health`)).status).toBe(200);
    const before = await worker.stateCalls(SHARDS);
    for (let i = 0; i < 20; i++) {
      const response = await fetch(`${worker.url}/api/history`);
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
    }
    expect(await worker.stateCalls(SHARDS)).toBe(before);
  });

  it('samples once a second however often it is polled, and between polls', async () => {
    const first = await samples();
    const started = Date.now();
    let polls = 0;
    while (Date.now() - started < 1500) {
      await samples();
      polls++;
    }
    const afterPolling = await samples();
    const seconds = (Date.now() - started) / 1000;
    expect(polls).toBeGreaterThan(5);
    expect(afterPolling - first).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
    // Nobody polls for 2.5 s: the alarm keeps sampling.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await samples()) - afterPolling).toBeGreaterThanOrEqual(2);
  });

  it('a scheduler object that fails answers a 503 envelope', async () => {
    const namespace = await worker.mf.getDurableObjectNamespace('ROUTER_STATE');
    const stub = namespace.get(namespace.idFromName(GLOBAL_SHARD)) as unknown as {
      setFaults(f: { history: number }): Promise<void>;
    };
    await stub.setFaults({ history: 1 });
    const response = await fetch(`${worker.url}/api/history`, { headers: auth });
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('state_unavailable');
  });
});

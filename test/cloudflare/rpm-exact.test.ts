import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../tools/sim/index.ts';
import { closeAll, inferenceCount, startSims } from '../support/router-fixture.ts';
import { chatJson } from '../support/sse.ts';
import { startWorkerTarget, type WorkerTarget } from './worker-target.ts';

const KEY = 'rpm-key';
const LIMIT = 7;

describe('RPM limits across Worker isolates (workerd)', () => {
  let sim: SimServer;
  let worker: WorkerTarget;

  beforeAll(async () => {
    [sim] = (await startSims([{ models: ['limited'], ttftMs: 0, tokensPerSecond: 1000 }])) as [SimServer];
    worker = await startWorkerTarget({
      main: { server: { api_keys: [KEY] } },
      backends: [{ model_name: 'limited', api_base: sim, rpm_limit: LIMIT }],
      secondIsolate: true,
    });
  });

  afterAll(async () => {
    await worker?.close();
    await closeAll([sim]);
  });

  it('two isolates hitting one backend window concurrently send exactly rpm_limit requests', async () => {
    const init = () => ({
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: chatJson('limited', { max_tokens: 1 }),
    });
    const statusOf = async (pending: Promise<Response>) => {
      const response = await pending;
      await response.arrayBuffer();
      return response.status;
    };
    const viaFirst = () => statusOf(fetch(`${worker.url}/v1/chat/completions`, init()));
    const viaSecond = () => statusOf(worker.fetchSecond('/v1/chat/completions', init()));
    // One request per isolate first, together: a cold isolate spends its first request building the
    // router, and without this stagger the warm one could take the whole window before it charges once.
    const opening = await Promise.all([viaFirst(), viaSecond()]);
    const burst = await Promise.all([
      ...Array.from({ length: 11 }, viaFirst),
      ...Array.from({ length: 11 }, viaSecond),
    ]);
    const first = [opening[0], ...burst.slice(0, 11)];
    const second = [opening[1], ...burst.slice(11)];
    const statuses = [...first, ...second];
    expect(statuses.filter((status) => status === 200)).toHaveLength(LIMIT);
    expect(statuses.filter((status) => status === 429)).toHaveLength(24 - LIMIT);
    expect(inferenceCount(sim)).toBe(LIMIT);
    // Both isolates charged the one window and were refused by it.
    for (const isolate of [first, second]) {
      expect(isolate.filter((status) => status === 200).length).toBeGreaterThanOrEqual(1);
      expect(isolate.filter((status) => status === 429).length).toBeGreaterThanOrEqual(1);
    }
  });
});

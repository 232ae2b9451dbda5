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
    const viaFirst = Array.from({ length: 12 }, () => fetch(`${worker.url}/v1/chat/completions`, init()));
    const viaSecond = Array.from({ length: 12 }, () => worker.fetchSecond('/v1/chat/completions', init()));
    const responses = await Promise.all([...viaFirst, ...viaSecond]);
    const statuses = await Promise.all(
      responses.map(async (response) => {
        await response.arrayBuffer();
        return response.status;
      }),
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(LIMIT);
    expect(statuses.filter((status) => status === 429)).toHaveLength(24 - LIMIT);
    expect(inferenceCount(sim)).toBe(LIMIT);
    // Both isolates were actually used and refused alike.
    expect(statuses.slice(12).some((status) => status === 429)).toBe(true);
    expect(statuses.slice(0, 12).some((status) => status === 429)).toBe(true);
  });
});

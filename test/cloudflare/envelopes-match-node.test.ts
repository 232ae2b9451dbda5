import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ContractFleet, post, startContractFleet } from '../contract/http-contract.ts';
import { closeAll, startTestRouter, type TestRouter } from '../support/router-fixture.ts';
import { chatJson } from '../support/sse.ts';
import { startWorkerTarget, type WorkerTarget } from './worker-target.ts';

/** The same requests against the Node service and the Worker, in front of the same sims. */
describe('error envelopes: Worker vs Node, byte for byte', () => {
  let fleet: ContractFleet;
  let node: TestRouter;
  let worker: WorkerTarget;

  beforeAll(async () => {
    fleet = await startContractFleet();
    [node, worker] = await Promise.all([startTestRouter(fleet.setup), startWorkerTarget(fleet.setup)]);
  });
  afterAll(async () => {
    await Promise.all([node?.close(), worker?.close()]);
    await closeAll([fleet.ok, fleet.ok2, fleet.bad]);
  });

  const cases: [string, string, Record<string, string>?][] = [
    ['400 missing model', '{"messages":[]}'],
    ['400 unreadable body', '{"model": '],
    ['404 unknown model', chatJson('nope\u00e9"\\')],
    ['401 wrong key', chatJson('m-ok'), { authorization: 'Bearer wrong' }],
    ['502 all retries exhausted', chatJson('m-fail')],
    ['429 rate limited (first)', chatJson('m-limited', { max_tokens: 1 })],
    ['429 rate limited', chatJson('m-limited', { max_tokens: 1 })],
  ];

  for (const [label, body, headers] of cases) {
    it(label, async () => {
      const hdrs = headers ?? { authorization: 'Bearer contract-key' };
      const [a, b] = await Promise.all([
        post(`${node.url}/v1/chat/completions`, body, hdrs),
        post(`${worker.url}/v1/chat/completions`, body, hdrs),
      ]);
      const [textA, textB] = await Promise.all([a.text(), b.text()]);
      expect(b.status).toBe(a.status);
      expect(b.headers.get('content-type')).toBe(a.headers.get('content-type'));
      expect(b.headers.get('retry-after')).toBe(a.headers.get('retry-after'));
      if (a.status >= 400) expect(textB).toBe(textA);
    });
  }
});

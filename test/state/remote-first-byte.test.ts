import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../src/core/random.ts';
import { MemoryRouterState } from '../../src/state/memory-router-state.ts';
import { RemoteRouterState, type StateChannel } from '../../src/state/remote-router-state.ts';
import { applyStateOp, type StateOpResult } from '../../src/state/state-ops.ts';
import { policyOf } from '../support/state-policy.ts';

/** A channel to one in-process state that counts the messages it carries. */
function countingChannel() {
  const state = new MemoryRouterState(createSeededRandom(1));
  const sent: string[] = [];
  const channel: StateChannel = {
    acquire: async (_shard, request) => {
      sent.push('acquire');
      return state.acquire(request);
    },
    view: async (_shard, now) => state.view(now),
    apply: async (_shard, ops) => {
      sent.push(ops.map((op) => op.op).join('+'));
      return ops.map((op) => applyStateOp(state, op) as StateOpResult);
    },
  };
  return { channel, sent };
}

const T0 = 1_800_000_000_000;
const candidates = [{ id: 'm@a', weight: 1, rpmLimit: null, maxConcurrency: null, maxNumSeqs: null }];
const report = (now: number) => ({
  model: 'm',
  id: 'm@a',
  now,
  outcome: 'success' as const,
  chargedAt: T0,
  sawFirstByte: true,
  latencyMs: 5,
  ttftMs: 2,
  policy: policyOf(),
});

describe('RemoteRouterState: a first-byte report rides with the next call', () => {
  it('a non-streamed request costs two messages: the acquire, then first byte, release and record', async () => {
    const { channel, sent } = countingChannel();
    const remote = new RemoteRouterState(channel, { models: () => ['m'], firstByteDelayMs: 10_000 });
    await remote.acquire({ model: 'm', candidates, tried: [], now: T0, policy: policyOf() });
    const firstByte = remote.firstByte('m', 'm@a', { chargedAt: T0, ttftMs: 2 });
    // The body ends a few turns later, as a relayed response does.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const release = remote.release(report(T0 + 5));
    const record = remote.recordRequest({
      model: 'm',
      outcome: 'success',
      status: 200,
      latencyMs: 5,
      ttftMs: 2,
      attempts: 1,
    });
    await Promise.all([firstByte, release, record]);
    expect(sent).toEqual(['acquire', 'firstByte+release+recordRequest']);
  });

  it("a stream's first byte goes out on its own after firstByteDelayMs", async () => {
    const { channel, sent } = countingChannel();
    const remote = new RemoteRouterState(channel, { models: () => ['m'], firstByteDelayMs: 20 });
    await remote.acquire({ model: 'm', candidates, tried: [], now: T0, policy: policyOf() });
    const started = Date.now();
    await remote.firstByte('m', 'm@a', { chargedAt: T0, ttftMs: 2 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    expect(sent).toEqual(['acquire', 'firstByte']);
    expect((await remote.view(T0)).backends[0]).toMatchObject({ pending: 0, inflight: 1 });
  });

  it('a view sends what is queued first, so it shows this router\u2019s own calls', async () => {
    const { channel } = countingChannel();
    const remote = new RemoteRouterState(channel, { models: () => ['m'], firstByteDelayMs: 10_000 });
    await remote.acquire({ model: 'm', candidates, tried: [], now: T0, policy: policyOf() });
    void remote.firstByte('m', 'm@a', { chargedAt: T0, ttftMs: 2 });
    expect((await remote.view(T0)).backends[0]).toMatchObject({ pending: 0 });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { SimServer } from '../../tools/sim/index.ts';
import {
  closeAll,
  inferenceCount,
  occupySim,
  startSims,
  startTestRouter,
  type TestRouter,
  waitFor,
} from '../support/router-fixture.ts';

let sims: SimServer[] = [];
let router: TestRouter | undefined;

afterEach(async () => {
  await router?.close();
  router = undefined;
  await closeAll(sims);
  sims = [];
});

async function sharesThroughRouter(strategy: string): Promise<{ busy: number; idle: number }> {
  // `busy` runs one sequence at a time at 5 tokens/s: 30 requests from another client queue up there.
  sims = await startSims([
    { models: ['m'], maxNumSeqs: 1, tokensPerSecond: 5 },
    { models: ['m'], maxNumSeqs: 64, tokensPerSecond: 1000, ttftMs: 1 },
  ]);
  const [busy, idle] = sims as [SimServer, SimServer];
  // Another client fills the busy sim's queue directly: its /metrics then reports `waiting`.
  const outside = occupySim(busy, 30);
  expect(await waitFor(() => busy.stats().waiting === 29, 3000)).toBe(true);
  router = await startTestRouter({
    main: { routing: { strategy }, monitor: { collect_interval: 0.1 } },
    backends: [
      { model_name: 'm', api_base: busy },
      { model_name: 'm', api_base: idle },
    ],
  });
  const running = router.running;
  // Wait until the router has scraped the busy engine's queue.
  expect(
    await waitFor(async () => {
      const view = await running.router.view();
      return view.backends.some((b) => (b.load?.waiting ?? 0) >= 29);
    }, 3000),
  ).toBe(true);
  const client = router.client();
  const before = { busy: inferenceCount(busy), idle: inferenceCount(idle) };
  const sent: Promise<unknown>[] = [];
  for (let i = 0; i < 30; i++) {
    // Short non-streaming requests a few ms apart: the queue the engine reports is what must steer them.
    sent.push(
      client.chat.completions
        .create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 }, { timeout: 500 })
        .catch(() => undefined),
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await Promise.allSettled(sent);
  outside.abort();
  return {
    busy: inferenceCount(busy) - before.busy,
    idle: inferenceCount(idle) - before.idle,
  };
}

describe('least-waiting on live engine metrics (real sockets)', () => {
  it('shifts traffic away from a backend whose engine queue grows', async () => {
    const shares = await sharesThroughRouter('least-waiting');
    expect(shares.busy + shares.idle).toBe(30);
    expect(shares.busy).toBe(0);
  });

  it('simple-shuffle, blind to the queue, keeps sending there (control)', async () => {
    const shares = await sharesThroughRouter('simple-shuffle');
    expect(shares.busy).toBeGreaterThan(5);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { SimServer } from '../../tools/sim/index.ts';
import {
  closeAll,
  inferenceCount,
  startSims,
  startTestRouter,
  type TestRouter,
} from '../support/router-fixture.ts';
import { chatBody, dashboard, postChat, trackConcurrency } from './support.ts';

const MODEL = 'adm-model';

/** Issue 4 item 5: server.max_inflight and litellm_params.max_concurrency. */
describe('admission control', () => {
  let sims: SimServer[] = [];
  let router: TestRouter | undefined;

  afterEach(async () => {
    await router?.close();
    router = undefined;
    await closeAll(sims);
    sims = [];
  });

  it('server.max_inflight 5: of 10 concurrent slow requests exactly 5 get a fast 503 with Retry-After', async () => {
    // Each admitted request holds its slot ~1 s (TTFT), longer than it takes all 10 to arrive.
    sims = await startSims([{ models: [MODEL], ttftMs: 1000, tokensPerSecond: 1000 }]);
    const [sim] = sims as [SimServer];
    router = await startTestRouter({
      main: { server: { max_inflight: 5 } },
      backends: [{ model_name: MODEL, api_base: sim }],
    });
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => postChat(router!.url, chatBody(MODEL, 1))),
    );
    const rejected = replies.filter((reply) => reply.status === 503);
    const served = replies.filter((reply) => reply.status === 200);
    expect(rejected).toHaveLength(5);
    expect(served).toHaveLength(5);
    for (const reply of rejected) {
      expect(reply.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      expect(reply.headers.get('content-type')).toMatch(/application\/json/);
      expect(JSON.parse(reply.text)).toMatchObject({
        error: { type: 'server_error', code: 'router_overloaded' },
      });
      // Fast: refused at admission, not after waiting for a slot.
      expect(reply.ms).toBeLessThan(700);
    }
    for (const reply of served) expect(reply.ms).toBeGreaterThanOrEqual(950);
    // Rejected requests never reached the backend.
    expect(inferenceCount(sim)).toBe(5);
    expect((await dashboard(router.url)).requests.rejected).toBe(5);
    // Slots free up again once the admitted ones finished.
    expect(router.running.router.inflight).toBe(0);
    expect((await postChat(router.url, chatBody(MODEL, 1))).status).toBe(200);
  });

  it('max_concurrency 2 on a backend: never more than 2 at once there, the rest queue and succeed', async () => {
    sims = await startSims([
      { models: [MODEL], ttftMs: 150, tokensPerSecond: 1000 },
      { models: [MODEL], ttftMs: 150, tokensPerSecond: 1000 },
    ]);
    const [capped, open] = sims as [SimServer, SimServer];
    const cappedLoad = trackConcurrency(capped);
    const openLoad = trackConcurrency(open);
    router = await startTestRouter({
      backends: [
        // The capped backend weighs 100x more, so without the cap it would take nearly everything.
        { model_name: MODEL, api_base: capped, max_concurrency: 2, weight: 100 },
        { model_name: MODEL, api_base: open, weight: 1 },
      ],
    });
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => postChat(router!.url, chatBody(MODEL, 1))),
    );
    expect(replies.map((reply) => reply.status)).toEqual(Array(20).fill(200));
    expect(cappedLoad.peak()).toBe(2);
    expect(openLoad.peak()).toBeGreaterThan(2);
    expect(inferenceCount(capped) + inferenceCount(open)).toBe(20);
    cappedLoad.stop();
    openLoad.stop();
  });

  it('max_concurrency on the only backend queues the excess instead of failing it', async () => {
    sims = await startSims([{ models: [MODEL], ttftMs: 100, tokensPerSecond: 1000 }]);
    const [only] = sims as [SimServer];
    const load = trackConcurrency(only);
    router = await startTestRouter({ backends: [{ model_name: MODEL, api_base: only, max_concurrency: 2 }] });
    const replies = await Promise.all(
      Array.from({ length: 8 }, () => postChat(router!.url, chatBody(MODEL, 1))),
    );
    expect(replies.map((reply) => reply.status)).toEqual(Array(8).fill(200));
    expect(load.peak()).toBe(2);
    // Four waves of two, ~100 ms each.
    expect(Math.max(...replies.map((reply) => reply.ms))).toBeGreaterThanOrEqual(350);
    load.stop();
  });
});

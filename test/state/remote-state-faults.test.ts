import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/create-app.ts';
import { parseBackendFile } from '../../src/config/parse-backend-file.ts';
import { parseMainConfig } from '../../src/config/parse-main-config.ts';
import { systemClock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { createSeededRandom } from '../../src/core/random.ts';
import { LlmRouter } from '../../src/router/llm-router.ts';
import { MemoryRouterState } from '../../src/state/memory-router-state.ts';
import { RemoteRouterState, type StateChannel } from '../../src/state/remote-router-state.ts';
import { applyStateOp, type StateOpResult } from '../../src/state/state-ops.ts';
import { transport } from '../support/core-router.ts';
import { waitFor } from '../support/router-fixture.ts';
import { type StubUpstream, startStubUpstream } from '../support/stub-upstream.ts';

/**
 * A channel to one in-process MemoryRouterState (what a Durable Object holds), with the faults a network
 * between a Worker and its objects has: calls that fail before they arrive, and answers lost after the
 * call was applied. Resent batches are answered from memory, as RouterStateObject does.
 */
class FaultyChannel implements StateChannel {
  readonly #shards = new Map<string, MemoryRouterState>();
  failAcquire = false;
  /** Each entry is the fate of the next apply: 'fail' (never arrives), 'lose' (applied, answer lost). */
  readonly applyFates: ('fail' | 'lose')[] = [];
  failAllApplies = false;
  readonly #done = new Map<string, StateOpResult[]>();
  applied = 0;

  /** One state per shard, as one Durable Object per model. */
  #state(shard: string): MemoryRouterState {
    let state = this.#shards.get(shard);
    if (!state) {
      state = new MemoryRouterState(createSeededRandom(3));
      this.#shards.set(shard, state);
    }
    return state;
  }

  async acquire(shard: string, request: Parameters<StateChannel['acquire']>[1]) {
    if (this.failAcquire) throw new Error('Durable Object overloaded');
    return this.#state(shard).acquire(request);
  }

  async view(shard: string, now: number) {
    return this.#state(shard).view(now);
  }

  async apply(shard: string, ops: Parameters<StateChannel['apply']>[1], batch: string) {
    const fate = this.failAllApplies ? 'fail' : this.applyFates.shift();
    if (fate === 'fail') throw new Error('Network connection lost.');
    const done = this.#done.get(batch);
    if (done) return done;
    const results = ops.map((op) => applyStateOp(this.#state(shard), op) as StateOpResult);
    this.applied += ops.length;
    this.#done.set(batch, results);
    if (fate === 'lose') throw new Error('Network connection lost.');
    return results;
  }
}

const BACKENDS = (url: string) =>
  `model_list:\n  - model_name: m\n    litellm_params:\n      model: openai/m\n      api_base: ${url}\n      max_concurrency: 1\n`;

async function routerOver(channel: FaultyChannel, url: string, leaseMs: number): Promise<LlmRouter> {
  const config = parseMainConfig('rate_limit:\n  max_wait_ms: 100\n', 'config.yaml');
  const router: LlmRouter = new LlmRouter({
    config,
    state: new RemoteRouterState(channel, {
      models: () => router.snapshot.models,
      retryDelaysMs: [5, 5, 5],
    }),
    transport,
    clock: systemClock,
    random: createSeededRandom(5),
    log: silentLogger,
    secrets: () => undefined,
    systemInfo: () => ({ memoryMb: null, runtime: 'test', version: '0' }),
    tuning: { leaseMs },
  });
  const { backends } = parseBackendFile(BACKENDS(url), 'self_deployed.yaml', {
    source: 'self_deployed',
    secrets: () => undefined,
    skipMetricsSources: [],
  });
  await router.applyBackendFile('self_deployed.yaml', backends, true);
  return router;
}

const CHAT = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 });

/** Item 4: in-flight counts over a remote state must survive lost calls; a failed acquire is a 503. */
describe('RemoteRouterState under state-call failures (leases, resends)', () => {
  let upstream: StubUpstream;
  beforeAll(async () => {
    upstream = await startStubUpstream((_req, res) => res.end('{"choices":[]}'));
  });
  afterAll(async () => {
    await upstream?.close();
  });

  const chat = async (router: LlmRouter) => {
    const response = await createApp({ router, log: silentLogger }).request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: CHAT,
    });
    return { status: response.status, body: await response.text() };
  };
  const inflight = async (router: LlmRouter) => (await router.view()).backends[0]?.inflight;

  it('a failing acquire is a 503 envelope, not replaced by the statistics call failing too', async () => {
    const channel = new FaultyChannel();
    const router = await routerOver(channel, upstream.url, 60_000);
    channel.failAcquire = true;
    channel.failAllApplies = true;
    const answer = await chat(router);
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({
      error: {
        message: 'router state unavailable, try again',
        type: 'server_error',
        param: null,
        code: 'state_unavailable',
      },
    });
  });

  it('a release whose batch fails is sent again and applied once, answers lost or not', async () => {
    const channel = new FaultyChannel();
    const router = await routerOver(channel, upstream.url, 60_000);
    channel.applyFates.push('fail', 'lose');
    expect((await chat(router)).status).toBe(200);
    expect(await waitFor(async () => (await inflight(router)) === 0, 2000)).toBe(true);
    const view = await router.view();
    expect(view.backends[0]).toMatchObject({ inflight: 0, pending: 0, successes: 1, leasesExpired: 0 });
    expect(view.totals.requests).toBe(1);
    // The slot is free: max_concurrency 1 admits the next request.
    expect((await chat(router)).status).toBe(200);
  });

  it('a release lost for good frees the slot when its lease runs out', async () => {
    const channel = new FaultyChannel();
    const router = await routerOver(channel, upstream.url, 600);
    channel.failAllApplies = true;
    expect((await chat(router)).status).toBe(200);
    // The release and its resends all failed: the state still counts the attempt in flight.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await inflight(router)).toBe(1);
    const saturated = await chat(router);
    expect(saturated.status).toBe(503);
    expect(JSON.parse(saturated.body).error.code).toBe('backends_at_capacity');
    channel.failAllApplies = false;
    expect(await waitFor(async () => (await inflight(router)) === 0, 3000, 50)).toBe(true);
    expect((await router.view()).backends[0]?.leasesExpired).toBe(1);
    expect((await chat(router)).status).toBe(200);
  });

  it('a stream longer than its lease keeps it by renewing', async () => {
    const slow = await startStubUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {}\n\n');
      setTimeout(() => res.end('data: [DONE]\n\n'), 1800);
    });
    try {
      const channel = new FaultyChannel();
      const router = await routerOver(channel, slow.url, 600);
      const streaming = chat(router);
      await new Promise((resolve) => setTimeout(resolve, 1400));
      // Still in flight after more than twice the lease: renewed, not expired.
      expect((await router.view()).backends[0]).toMatchObject({ inflight: 1, leasesExpired: 0 });
      expect((await streaming).status).toBe(200);
      expect(await waitFor(async () => (await inflight(router)) === 0, 2000)).toBe(true);
      expect((await router.view()).backends[0]?.leasesExpired).toBe(0);
    } finally {
      await slow.close();
    }
  });
});

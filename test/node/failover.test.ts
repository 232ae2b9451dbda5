import OpenAI from 'openai';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { SimServer } from '../../tools/sim/index.ts';
import {
  closeAll,
  inferenceCount,
  routerAttempts,
  startSims,
  startTestRouter,
  type TestRouter,
} from '../support/router-fixture.ts';

const FAST = { ttftMs: 1, tokensPerSecond: 1000 } as const;

describe('failover across backends', () => {
  let sims: SimServer[] = [];
  let router: TestRouter | undefined;

  afterEach(async () => {
    await router?.close();
    router = undefined;
    await closeAll(sims);
    sims = [];
  });

  afterAll(async () => {
    await router?.close();
    await closeAll(sims);
  });

  it('serves every request from the healthy backend while a crashed one and a 500 one fail', async () => {
    sims = await startSims([
      { models: ['fo-model'], ...FAST },
      { models: ['fo-model'], ...FAST, faults: { errorRate: 1 } },
      { models: ['fo-model'], ...FAST },
    ]);
    const [dead, failing, healthy] = sims as [SimServer, SimServer, SimServer];
    router = await startTestRouter({
      main: { routing: { num_retries: 3 }, retry: { failure_threshold: 3 } },
      backends: [
        { model_name: 'fo-model', api_base: dead },
        { model_name: 'fo-model', api_base: failing },
        { model_name: 'fo-model', api_base: healthy },
      ],
    });
    // Crash after the start-up probe passed: the port now refuses, and no probe will notice (interval 1 h).
    await dead.stop();

    const client = router.client();
    const served: string[] = [];
    for (let i = 0; i < 20; i++) {
      const { data, response } = await client.chat.completions
        .create({ model: 'fo-model', messages: [{ role: 'user', content: `request ${i}` }], max_tokens: 2 })
        .withResponse();
      expect(response.status).toBe(200);
      expect(data.choices[0]?.message.content).toBe('lorem ipsum ');
      served.push(response.headers.get('x-llm-router-backend') ?? '');
    }
    expect(new Set(served)).toEqual(new Set([`fo-model@${healthy.url}`]));
    expect(inferenceCount(healthy)).toBe(20);

    // Both bad backends were really tried (with 20 requests, missing one has probability < 1e-6)...
    const deadAttempts = await routerAttempts(router.running, `fo-model@${dead.url}`);
    const failingHits = inferenceCount(failing);
    expect(deadAttempts).toBeGreaterThanOrEqual(1);
    expect(failingHits).toBeGreaterThanOrEqual(1);
    // ...and retry.failure_threshold (3) consecutive failures took each out of rotation at once.
    expect(deadAttempts).toBeLessThanOrEqual(3);
    expect(failingHits).toBeLessThanOrEqual(3);
    expect(await routerAttempts(router.running, `fo-model@${failing.url}`)).toBe(failingHits);
  });

  it('answers 502 after exactly num_retries + 1 attempts when every backend is bad', async () => {
    sims = await startSims([
      { models: ['bad-model'], ...FAST },
      { models: ['bad-model'], ...FAST, faults: { errorRate: 1 } },
      { models: ['bad-model'], ...FAST, faults: { errorRate: 1, errorStatus: 503 } },
      { models: ['bad-model'], ...FAST, faults: { errorRate: 1 } },
    ]);
    const [dead, ...failing] = sims as [SimServer, ...SimServer[]];
    router = await startTestRouter({
      main: { routing: { num_retries: 2 }, retry: { failure_threshold: 100 } },
      backends: [dead, ...failing].map((sim) => ({ model_name: 'bad-model', api_base: sim })),
    });
    await dead.stop();
    const running = router.running;
    const attemptsSoFar = async () =>
      failing.reduce((sum, sim) => sum + inferenceCount(sim), 0) +
      (await routerAttempts(running, `bad-model@${dead.url}`));

    const error = await router
      .client()
      .chat.completions.create({ model: 'bad-model', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as InstanceType<typeof OpenAI.InternalServerError>).status).toBe(502);
    expect((error as Error).message).toContain('all retries exhausted');
    // 4 backends but num_retries 2: three attempts, each on a different backend.
    expect(await attemptsSoFar()).toBe(3);
    for (const sim of failing) expect(inferenceCount(sim)).toBeLessThanOrEqual(1);

    // Same again with a raw request: the envelope and the count per request hold.
    const res = await fetch(`${router.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model":"bad-model","messages":[{"role":"user","content":"again"}],"stream":true}',
    });
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { error: { type: string; code: string; message: string } };
    expect(body.error.type).toBe('server_error');
    expect(body.error.message).toMatch(/^all retries exhausted: (upstream status 50[03]|connect failed)/);
    expect(await attemptsSoFar()).toBe(6);
  });

  it('fails over a streaming request whose first backend refuses before any byte', async () => {
    sims = await startSims([
      { models: ['st-model'], ...FAST },
      { models: ['st-model'], ...FAST },
    ]);
    const [dead, healthy] = sims as [SimServer, SimServer];
    router = await startTestRouter({
      main: { routing: { num_retries: 1 }, retry: { failure_threshold: 100 } },
      backends: [
        { model_name: 'st-model', api_base: dead },
        { model_name: 'st-model', api_base: healthy },
      ],
    });
    await dead.stop();
    const client = router.client();
    for (let i = 0; i < 20; i++) {
      const stream = await client.chat.completions.create({
        model: 'st-model',
        messages: [{ role: 'user', content: 'stream' }],
        max_tokens: 3,
        stream: true,
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      expect(text).toBe('lorem ipsum dolor ');
    }
    expect(inferenceCount(healthy)).toBe(20);
    expect(await routerAttempts(router.running, `st-model@${dead.url}`)).toBeGreaterThanOrEqual(1);
  });
});

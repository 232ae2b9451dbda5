import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../tools/sim/index.ts';
import {
  closeAll,
  inferenceCount,
  startSims,
  startTestRouter,
  type TestRouter,
} from '../support/router-fixture.ts';
import { chatJson } from '../support/sse.ts';

// Token i of every sim generation is the i-th word of this text plus a space (tools/sim/sim-openai.ts).
const WORDS = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor'.split(' ');
const generated = (tokens: number) => WORDS.slice(0, tokens).join(' ') + ' ';

describe('openai SDK against the router', () => {
  let chatSim: SimServer;
  let streamSim: SimServer;
  let limitedSim: SimServer;
  let brokenSims: SimServer[];
  let router: TestRouter;
  let client: OpenAI;

  beforeAll(async () => {
    [chatSim, streamSim, limitedSim, ...brokenSims] = (await startSims([
      { models: ['chat-model', 'embed-model'], ttftMs: 5, tokensPerSecond: 1000 },
      { models: ['stream-model'], ttftMs: 20, tokensPerSecond: 20 },
      { models: ['limited-model'], ttftMs: 1, tokensPerSecond: 1000 },
      { models: ['broken-model'], faults: { errorRate: 1 } },
      { models: ['broken-model'], faults: { errorRate: 1 } },
    ])) as [SimServer, SimServer, SimServer, ...SimServer[]];
    // Deliberately not in sorted order: /v1/models must sort.
    router = await startTestRouter({
      backends: [
        { model_name: 'stream-model', api_base: streamSim },
        { model_name: 'chat-model', api_base: chatSim },
        { model_name: 'limited-model', api_base: limitedSim, rpm_limit: 1 },
        { model_name: 'broken-model', api_base: brokenSims[0]!, api_key: 'sk-broken-secret' },
        { model_name: 'broken-model', api_base: brokenSims[1]!, api_key: 'sk-broken-secret' },
        { model_name: 'embed-model', api_base: chatSim },
      ],
    });
    client = router.client();
  });

  afterAll(async () => {
    await router?.close();
    await closeAll([chatSim, streamSim, limitedSim, ...(brokenSims ?? [])]);
  });

  it('answers a non-streaming chat completion with content, usage, request id and backend headers', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'chat-model', messages: [{ role: 'user', content: 'Say something' }], max_tokens: 5 })
      .withResponse();
    expect(response.status).toBe(200);
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe('chat-model');
    expect(data.choices[0]?.message.content).toBe(generated(5));
    expect(data.choices[0]?.finish_reason).toBe('length');
    expect(data.usage?.completion_tokens).toBe(5);
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(data.usage?.total_tokens).toBe((data.usage?.prompt_tokens ?? 0) + 5);
    expect(response.headers.get('x-llm-router-backend')).toBe(`chat-model@${chatSim.url}`);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('streams chat deltas incrementally, not in one burst at the end', async () => {
    const tokens = 10;
    const started = performance.now();
    const { data: stream, response } = await client.chat.completions
      .create({
        model: 'stream-model',
        messages: [{ role: 'user', content: 'Count slowly' }],
        max_tokens: tokens,
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect(response.headers.get('x-llm-router-backend')).toBe(`stream-model@${streamSim.url}`);

    const arrivals: number[] = [];
    let text = '';
    let finish: string | null = null;
    let completionTokens: number | undefined;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta.content;
      if (delta) {
        arrivals.push(performance.now());
        text += delta;
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
    }
    const total = performance.now() - started;
    expect(text).toBe(generated(tokens));
    expect(arrivals).toHaveLength(tokens);
    expect(finish).toBe('length');
    expect(completionTokens).toBe(tokens);
    // 10 tokens at 20 tok/s: ~450 ms between the first and the last token.
    const first = arrivals[0]! - started;
    const spread = arrivals[tokens - 1]! - arrivals[0]!;
    expect(spread).toBeGreaterThanOrEqual(300);
    expect(first).toBeLessThan(tokens * 50);
    expect(first).toBeLessThan(total - 300);
  });

  it('serves the legacy completions endpoint', async () => {
    const before = inferenceCount(chatSim, '/v1/completions');
    const completion = await client.completions.create({
      model: 'chat-model',
      prompt: 'Once upon',
      max_tokens: 3,
    });
    expect(completion.object).toBe('text_completion');
    expect(completion.choices[0]?.text).toBe(generated(3));
    expect(completion.usage?.completion_tokens).toBe(3);
    expect(inferenceCount(chatSim, '/v1/completions')).toBe(before + 1);
  });

  it('serves embeddings', async () => {
    const before = inferenceCount(chatSim, '/v1/embeddings');
    const result = await client.embeddings.create({
      model: 'embed-model',
      input: ['alpha', 'beta', 'alpha'],
      encoding_format: 'float',
    });
    expect(result.object).toBe('list');
    expect(result.model).toBe('embed-model');
    expect(result.data.map((item) => item.index)).toEqual([0, 1, 2]);
    for (const item of result.data) {
      expect(item.embedding).toHaveLength(8);
      const norm = Math.sqrt(item.embedding.reduce((sum, v) => sum + v * v, 0));
      expect(norm).toBeCloseTo(1, 4);
    }
    expect(result.data[2]?.embedding).toEqual(result.data[0]?.embedding);
    expect(result.data[1]?.embedding).not.toEqual(result.data[0]?.embedding);
    expect(inferenceCount(chatSim, '/v1/embeddings')).toBe(before + 1);
  });

  it('lists every configured model, sorted, owned by llm-router', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) {
      expect(model.object).toBe('model');
      expect(model.owned_by).toBe('llm-router');
      expect(Number.isInteger(model.created)).toBe(true);
      ids.push(model.id);
    }
    expect(ids).toEqual(['broken-model', 'chat-model', 'embed-model', 'limited-model', 'stream-model']);
    // `created` is stable per model across calls.
    const again = await client.models.list();
    const first = await client.models.list();
    expect(again.data.map((m) => m.created)).toEqual(first.data.map((m) => m.created));
  });

  it('raises BadRequestError for a body without a model', async () => {
    const error = await client.chat.completions
      .create({
        messages: [{ role: 'user', content: 'hi' }],
      } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const apiError = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(apiError.status).toBe(400);
    expect(apiError.message).toContain("missing or empty 'model' field");
    expect(apiError.type).toBe('invalid_request_error');
  });

  it('raises NotFoundError for an unknown model', async () => {
    const error = await client.chat.completions
      .create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).status).toBe(404);
    expect((error as Error).message).toContain("model 'x' not found");
  });

  it('raises RateLimitError once a backend is at its rpm_limit, with Retry-After in whole seconds', async () => {
    const ok = await client.chat.completions.create({
      model: 'limited-model',
      messages: [{ role: 'user', content: 'one' }],
      max_tokens: 1,
    });
    expect(ok.choices[0]?.message.content).toBe(generated(1));

    const error = await client.chat.completions
      .create({ model: 'limited-model', messages: [{ role: 'user', content: 'two' }], max_tokens: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).status).toBe(429);
    expect((error as Error).message).toContain('all backends rate limited');

    const raw = await fetch(`${router.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chatJson('limited-model', { max_tokens: 1 }),
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get('content-type')).toMatch(/^application\/json/);
    const retryAfter = raw.headers.get('retry-after');
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    const body = (await raw.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('rate_limit_error');
    // Only the first request reached the backend.
    expect(inferenceCount(limitedSim)).toBe(1);
  });

  it('raises a 502 server error when every attempt fails, without leaking the backend key', async () => {
    const error = await client.chat.completions
      .create({ model: 'broken-model', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    const apiError = error as InstanceType<typeof OpenAI.InternalServerError>;
    expect(apiError.status).toBe(502);
    expect(apiError.message).toContain('all retries exhausted');
    expect(apiError.message).toContain('500');
    expect(apiError.message).not.toContain('sk-broken-secret');
    expect(apiError.type).toBe('server_error');
    // num_retries 3: four attempts over the two broken backends.
    expect(inferenceCount(brokenSims[0]!) + inferenceCount(brokenSims[1]!)).toBe(4);
  });

  it('answers 404 with a JSON envelope for an unknown path', async () => {
    const res = await fetch(`${router.url}/no/such/path`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as {
      error: { message: string; type: string; param: null; code: string };
    };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.param).toBeNull();
    expect(body.error.message).toContain('/no/such/path');
  });

  it('answers 405 with Allow for a known path and the wrong method', async () => {
    const res = await fetch(`${router.url}/v1/models`, { method: 'PUT', body: '{}' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toContain('PUT');
  });
});

describe('inbound API keys and body limit', () => {
  let sim: SimServer;
  let router: TestRouter;

  beforeAll(async () => {
    [sim] = (await startSims([{ models: ['chat-model'], ttftMs: 1, tokensPerSecond: 1000 }])) as [SimServer];
    router = await startTestRouter({
      main: { server: { api_keys: ['good-key'], max_body_mb: 0.01 } },
      backends: [{ model_name: 'chat-model', api_base: sim }],
    });
  });

  afterAll(async () => {
    await router?.close();
    await closeAll([sim]);
  });

  it('accepts the configured key', async () => {
    const completion = await router.client('good-key').chat.completions.create({
      model: 'chat-model',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 2,
    });
    expect(completion.choices[0]?.message.content).toBe(generated(2));
  });

  it('raises AuthenticationError for a wrong key, on chat and on /v1/models', async () => {
    const before = inferenceCount(sim);
    const bad = router.client('wrong-key');
    const error = await bad.chat.completions
      .create({ model: 'chat-model', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).status).toBe(401);
    expect((error as Error).message).toContain('invalid api key');
    const listError = await bad.models.list().catch((e: unknown) => e);
    expect(listError).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(inferenceCount(sim)).toBe(before);
  });

  it('answers 413 for a body over server.max_body_mb', async () => {
    const before = inferenceCount(sim);
    const big = chatJson('chat-model', { padding: 'x'.repeat(20_000) });
    const res = await fetch(`${router.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer good-key' },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { error: { message: string; type: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toContain('max_body_mb');
    expect(inferenceCount(sim)).toBe(before);
  });
});

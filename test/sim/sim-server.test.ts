import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { type SimOptionsInput, type SimServer, startSimServer } from '../../tools/sim/index.ts';
import { chatBody, postJson, readSse, rootOf } from './sim-helpers.ts';

const servers: SimServer[] = [];

async function sim(options: SimOptionsInput = {}): Promise<SimServer> {
  const server = await startSimServer({ ttftMs: 20, tokensPerSecond: 100, ...options });
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('sim server: OpenAI endpoints', () => {
  it('lists its models with the engine as owner', async () => {
    const s = await sim({ models: ['a', 'b'], engine: 'sglang' });
    expect(s.url).toBe(`http://127.0.0.1:${s.port}/v1`);
    const res = await fetch(`${s.url}/models`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { object: string; data: Array<{ id: string; owned_by: string }> };
    expect(body.object).toBe('list');
    expect(body.data.map((m) => [m.id, m.owned_by])).toEqual([
      ['a', 'sglang'],
      ['b', 'sglang'],
    ]);
  });

  it('answers a non-stream chat completion with usage, after the generation time', async () => {
    const s = await sim({ ttftMs: 30, tokensPerSecond: 100 });
    const started = performance.now();
    const res = await postJson(`${s.url}/chat/completions`, chatBody({ max_tokens: 5 }));
    const elapsed = performance.now() - started;
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      id: string;
      object: string;
      choices: Array<{ message: { role: string; content: string }; finish_reason: string }>;
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    };
    expect(body.object).toBe('chat.completion');
    expect(body.id).toMatch(/^chatcmpl-\d+$/);
    expect(body.choices[0]?.message.role).toBe('assistant');
    expect(body.choices[0]?.message.content.trim().split(' ')).toHaveLength(5);
    expect(body.choices[0]?.finish_reason).toBe('length');
    // "Hello, simulated world!" is 23 characters: ceil(23 / 4) = 6 prompt tokens.
    expect(body.usage).toEqual({ prompt_tokens: 6, completion_tokens: 5, total_tokens: 11 });
    // TTFT 30 ms + 4 more tokens at 10 ms each.
    expect(elapsed).toBeGreaterThanOrEqual(65);
    const stats = s.stats();
    expect(stats.completed).toBe(1);
    expect(stats.promptTokens).toBe(6);
    expect(stats.generationTokens).toBe(5);
  });

  it('uses defaultMaxTokens and finish_reason stop when the request sets no limit', async () => {
    const s = await sim({ defaultMaxTokens: 3 });
    const res = await postJson(`${s.url}/completions`, { model: 'demo-model', prompt: 'abcdefgh' });
    const body = (await res.json()) as {
      object: string;
      choices: Array<{ text: string; finish_reason: string }>;
      usage: { prompt_tokens: number; completion_tokens: number };
    };
    expect(body.object).toBe('text_completion');
    expect(body.choices[0]?.finish_reason).toBe('stop');
    expect(body.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 3 });
  });

  it('streams tokens incrementally and ends with a usage chunk and [DONE]', async () => {
    const s = await sim({ ttftMs: 30, tokensPerSecond: 50 });
    const body = chatBody({ max_tokens: 6, stream: true, stream_options: { include_usage: true } });
    const res = await postJson(`${s.url}/chat/completions`, body);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await readSse(res);
    expect(events.at(-1)?.data).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data) as Record<string, unknown>);
    type Choice = { delta: { role?: string; content?: string }; finish_reason: string | null };
    const choices = chunks.map((c) => (c.choices as Choice[])[0]);
    expect(choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    const content = choices.filter((c) => c?.delta.content);
    expect(content).toHaveLength(6);
    expect(choices.find((c) => c?.finish_reason)?.finish_reason).toBe('length');
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 6, completion_tokens: 6, total_tokens: 12 });
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    // Six tokens 20 ms apart: the first and last content events are ~100 ms apart, not one burst.
    const times = events.filter((e) => e.data.includes('"content":"') && !e.data.includes('"content":""'));
    const spread = (times.at(-1)?.at ?? 0) - (times[0]?.at ?? 0);
    expect(spread).toBeGreaterThanOrEqual(70);
    const distinct = new Set(times.map((t) => Math.round(t.at / 5)));
    expect(distinct.size).toBeGreaterThanOrEqual(4);
  });

  it('returns deterministic embeddings of embeddingDim', async () => {
    const s = await sim({ embeddingDim: 4 });
    const get = async (): Promise<{
      data: Array<{ embedding: number[] }>;
      usage: { prompt_tokens: number };
    }> =>
      (await (
        await postJson(`${s.url}/embeddings`, { model: 'demo-model', input: ['abc', 'xyz'] })
      ).json()) as {
        data: Array<{ embedding: number[] }>;
        usage: { prompt_tokens: number };
      };
    const [a, b] = [await get(), await get()];
    expect(a.data).toHaveLength(2);
    expect(a.data[0]?.embedding).toHaveLength(4);
    expect(a).toEqual(b);
    expect(a.data[0]?.embedding).not.toEqual(a.data[1]?.embedding);
    expect(a.usage.prompt_tokens).toBe(2);
  });

  it('rejects unknown models (404), bad JSON (400) and unknown paths (404); /health is 200', async () => {
    const s = await sim();
    const unknown = await postJson(`${s.url}/chat/completions`, chatBody({ model: 'nope' }));
    expect(unknown.status).toBe(404);
    const err = (await unknown.json()) as { error: { message: string; type: string; code: number } };
    expect(err.error).toMatchObject({
      message: 'The model `nope` does not exist.',
      type: 'NotFoundError',
      code: 404,
    });
    expect((await postJson(`${s.url}/chat/completions`, '{not json')).status).toBe(400);
    expect((await fetch(`${s.url}/nothing`)).status).toBe(404);
    const health = await fetch(`${rootOf(s.url)}/health`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('');
  });

  it('records the raw body, headers and Authorization of the last inference request', async () => {
    const s = await sim();
    const raw = '{"model":"demo-model",  "messages":[{"role":"user","content":"x"}],"max_tokens":1}';
    await (
      await postJson(`${s.url}/chat/completions`, raw, { headers: { 'x-request-id': 'req-42' } })
    ).text();
    await (await fetch(`${s.url}/models`, { headers: { authorization: 'Bearer probe' } })).text();
    const stats = s.stats();
    expect(stats.lastBody).toBe(raw);
    expect(stats.lastHeaders?.['x-request-id']).toBe('req-42');
    expect(stats.lastAuthorization).toBeNull();
    expect(stats.byPath).toMatchObject({ '/v1/chat/completions': 1, '/v1/models': 1 });
  });
});

import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type SimEventInfo,
  type SimOptionsInput,
  type SimServer,
  startSimServer,
} from '../../tools/sim/index.ts';
import { chatBody, metricValue, postJson, rootOf } from './sim-helpers.ts';

const servers: SimServer[] = [];

async function sim(options: SimOptionsInput = {}): Promise<SimServer> {
  const server = await startSimServer({ ttftMs: 20, tokensPerSecond: 100, ...options });
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('sim server: scheduling and metrics', () => {
  it('caps running sequences at maxNumSeqs and queues the rest FIFO', async () => {
    const s = await sim({ maxNumSeqs: 2, ttftMs: 50, tokensPerSecond: 10, kvCapacityTokens: 1000 });
    const started = performance.now();
    const finished: number[] = [];
    const requests = Array.from({ length: 4 }, (_, i) =>
      postJson(`${s.url}/chat/completions`, chatBody({ max_tokens: 4 })).then(async (res) => {
        await res.text();
        finished[i] = performance.now() - started;
      }),
    );
    await vi.waitFor(() => expect(s.stats().byPath['/v1/chat/completions']).toBe(4), { interval: 5 });
    const text = await (await fetch(`${rootOf(s.url)}/metrics`)).text();
    expect(metricValue(text, 'vllm:num_requests_running')).toBe(2);
    expect(metricValue(text, 'vllm:num_requests_waiting')).toBe(2);
    const kv = metricValue(text, 'vllm:kv_cache_usage_perc');
    expect(kv).toBeGreaterThan(0);
    expect(kv).toBeLessThanOrEqual(1);
    expect(text).toMatch(/^vllm:num_requests_running\{engine="0",model_name="demo-model"\} 2\.0$/m);
    expect(text).toContain('# TYPE vllm:time_to_first_token_seconds histogram');
    expect(s.stats()).toMatchObject({ running: 2, waiting: 2 });
    await Promise.all(requests);
    const sorted = [...finished].sort((a, b) => a - b);
    // Each generation takes 50 + 3 * 100 = 350 ms, so the queued pair ends about 350 ms after the first pair.
    expect((sorted[2] ?? 0) - (sorted[1] ?? 0)).toBeGreaterThanOrEqual(250);
    const after = await (await fetch(`${rootOf(s.url)}/metrics`)).text();
    expect(metricValue(after, 'vllm:num_requests_running')).toBe(0);
    expect(metricValue(after, 'vllm:generation_tokens_total')).toBe(16);
    expect(metricValue(after, 'vllm:kv_cache_usage_perc')).toBe(0);
  });

  it('exposes SGLang metric names and labels', async () => {
    const s = await sim({ engine: 'sglang', models: ['qwen'] });
    await (await postJson(`${s.url}/chat/completions`, chatBody({ model: 'qwen', max_tokens: 2 }))).text();
    const text = await (await fetch(`${rootOf(s.url)}/metrics`)).text();
    expect(text).toMatch(/^sglang:num_running_reqs\{model_name="qwen",tp_rank="0"\} 0\.0$/m);
    expect(metricValue(text, 'sglang:num_queue_reqs')).toBe(0);
    expect(metricValue(text, 'sglang:token_usage')).toBe(0);
    expect(metricValue(text, 'sglang:generation_tokens_total')).toBe(2);
    expect(metricValue(text, 'sglang:prompt_tokens_total')).toBe(6);
    expect(text).not.toContain('vllm:');
  });

  it('emits cancel within 100 ms when a client aborts mid-stream, and frees the slot', async () => {
    const s = await sim({ ttftMs: 10, tokensPerSecond: 20 });
    const cancelled = new Promise<SimEventInfo>((resolve) => s.events.once('cancel', resolve));
    const controller = new AbortController();
    const res = await postJson(`${s.url}/chat/completions`, chatBody({ max_tokens: 1000, stream: true }), {
      signal: controller.signal,
      headers: { 'x-request-id': 'abort-me' },
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    expect(s.stats().running).toBe(1);
    const abortedAt = Date.now();
    controller.abort();
    const info = await cancelled;
    expect(info.at - abortedAt).toBeLessThan(100);
    expect(info).toMatchObject({ path: '/v1/chat/completions', requestId: 'abort-me' });
    expect(s.stats()).toMatchObject({ running: 0, cancelled: 1, completed: 0 });
  });

  it('cancels a queued request when its client goes away', async () => {
    const s = await sim({ maxNumSeqs: 1, ttftMs: 10, tokensPerSecond: 20 });
    const first = postJson(`${s.url}/chat/completions`, chatBody({ max_tokens: 10 }));
    const controller = new AbortController();
    const second = postJson(`${s.url}/chat/completions`, chatBody({ max_tokens: 10 }), {
      signal: controller.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(s.stats()).toMatchObject({ running: 1, waiting: 1 });
    const cancelled = new Promise<void>((resolve) => s.events.once('cancel', () => resolve()));
    controller.abort();
    await second.catch(() => undefined);
    await cancelled;
    expect(s.stats()).toMatchObject({ running: 1, waiting: 0 });
    await (await first).text();
  });
});

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
import { chatJson, metricValue, readSse } from '../support/sse.ts';

describe('upstream failure after the stream started', () => {
  let sim: SimServer;
  let router: TestRouter;

  const metrics = async () => {
    const res = await fetch(`${router.url}/metrics`);
    expect(res.status).toBe(200);
    return res.text();
  };

  beforeAll(async () => {
    [sim] = (await startSims([{ models: ['drop-model'], ttftMs: 10, tokensPerSecond: 50 }])) as [SimServer];
    router = await startTestRouter({
      main: { retry: { failure_threshold: 100 } },
      backends: [
        { model_name: 'warm-model', api_base: sim, model: 'openai/drop-model' },
        { model_name: 'drop-model', api_base: sim },
      ],
    });
    // Warm the SDK's streaming path first: a first-use stall of the shared event loop would make the sim's
    // token timers and its drop fire in one tick, and the sim would then cut the socket before its last
    // writes leave (a sim artefact, not the router's).
    const warm = await router.client().chat.completions.create({
      model: 'warm-model',
      messages: [{ role: 'user', content: 'warm up' }],
      max_tokens: 2,
      stream: true,
    });
    for await (const _ of warm) {
      // drain
    }
    sim.setFaults({ dropMidStreamRate: 1, dropAfterTokens: 3 });
  });

  afterAll(async () => {
    await router?.close();
    await closeAll([sim]);
  });

  it('makes the SDK stream raise, and counts a failure, not a success', async () => {
    const before = await metrics();
    expect(metricValue(before, 'llm_router_requests_total', 'outcome="failure"')).toBe(0);
    expect(metricValue(before, 'llm_router_requests_total', 'outcome="success"')).toBe(1);
    const hitsBefore = inferenceCount(sim);

    const stream = await router.client().chat.completions.create({
      model: 'drop-model',
      messages: [{ role: 'user', content: 'start' }],
      max_tokens: 20,
      stream: true,
    });
    let text = '';
    let caught: unknown;
    try {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    } catch (error) {
      caught = error;
    }
    // The sim cuts the socket after three tokens; whatever got through is in order and nothing is invented.
    expect('lorem ipsum dolor '.startsWith(text)).toBe(true);
    expect(caught).toBeInstanceOf(OpenAI.APIError);
    expect((caught as Error).message).toContain('upstream stream broken');
    expect((caught as InstanceType<typeof OpenAI.APIError>).type).toBe('server_error');

    const after = await metrics();
    expect(metricValue(after, 'llm_router_requests_total', 'outcome="failure"')).toBe(1);
    expect(metricValue(after, 'llm_router_requests_total', 'outcome="success"')).toBe(1);
    expect(metricValue(after, 'llm_router_backend_failures_total', 'model="drop-model"')).toBe(1);
    // Bytes already went out: no retry.
    expect(inferenceCount(sim)).toBe(hitsBefore + 1);
  });

  it('ends the raw event stream with one parseable error event and no [DONE]', async () => {
    const res = await fetch(`${router.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chatJson('drop-model', { max_tokens: 20, stream: true }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await readSse(res.body!);
    expect(events.map((e) => e.data)).not.toContain('[DONE]');
    const last = JSON.parse(events[events.length - 1]!.data) as {
      error?: { message: string; type: string; code: string };
    };
    expect(last.error?.type).toBe('server_error');
    expect(last.error?.message).toContain('upstream stream broken');
    // Everything before the error event is an intact chunk.
    for (const event of events.slice(0, -1)) {
      expect((JSON.parse(event.data) as { object: string }).object).toBe('chat.completion.chunk');
    }
    const text = await metrics();
    expect(metricValue(text, 'llm_router_requests_total', 'outcome="failure"')).toBe(2);
    expect(metricValue(text, 'llm_router_requests_total', 'outcome="success"')).toBe(1);
    expect(router.running.router.inflight).toBe(0);
  });
});

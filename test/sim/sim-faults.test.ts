import { afterEach, describe, expect, it } from 'vitest';
import { type SimOptionsInput, type SimServer, startSimServer } from '../../tools/sim/index.ts';
import { chatBody, fetchErrorCode, postJson, readSse, rootOf } from './sim-helpers.ts';

const servers: SimServer[] = [];

async function sim(options: SimOptionsInput = {}): Promise<SimServer> {
  const server = await startSimServer({ ttftMs: 10, tokensPerSecond: 200, ...options });
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const chat = (s: SimServer, extra: Record<string, unknown> = {}, init: RequestInit = {}): Promise<Response> =>
  postJson(`${s.url}/chat/completions`, chatBody({ max_tokens: 2, ...extra }), init);

describe('sim server: fault injection', () => {
  it('errorRate 1 answers errorStatus with an OpenAI error body', async () => {
    const s = await sim({ faults: { errorRate: 1 } });
    const res = await chat(s);
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { code: number; type: string } };
    expect(body.error).toMatchObject({ code: 500, type: 'InternalServerError' });
    s.setFaults({ errorStatus: 503 });
    expect((await chat(s)).status).toBe(503);
    expect(s.stats().errorsInjected).toBe(2);
    s.setFaults({ errorRate: 0 });
    expect((await chat(s)).status).toBe(200);
  });

  it('rateLimitRate 1 answers 429 with Retry-After', async () => {
    const s = await sim({ faults: { rateLimitRate: 1, retryAfterSeconds: 3 } });
    const res = await chat(s);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('RateLimitError');
  });

  it('stop() refuses connections and resets in-flight streams; start() serves again on the same port', async () => {
    const s = await sim({ tokensPerSecond: 20 });
    const port = s.port;
    const res = await chat(s, { max_tokens: 1000, stream: true });
    // Observed from the start so the reset is never an unhandled rejection while stop() runs.
    const reading = fetchErrorCode(readSse(res));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await s.stop();
    expect(await reading).not.toBe('no error');
    expect(await fetchErrorCode(fetch(`${s.url}/models`))).toBe('ECONNREFUSED');
    expect(s.stats()).toMatchObject({ running: 0, cancelled: 0 });
    await s.start();
    expect(s.port).toBe(port);
    expect((await fetch(`${s.url}/models`)).status).toBe(200);
    expect((await chat(s)).status).toBe(200);
  });

  it('failInferenceOnly keeps /v1/models at 200 while inference answers 500', async () => {
    const s = await sim({ faults: { failInferenceOnly: true } });
    expect((await fetch(`${s.url}/models`)).status).toBe(200);
    expect((await chat(s)).status).toBe(500);
    expect((await postJson(`${s.url}/embeddings`, { model: 'demo-model', input: 'x' })).status).toBe(500);
  });

  it('modelsStatus and flapPeriodMs shape /v1/models', async () => {
    const s = await sim({ faults: { modelsStatus: 503 } });
    expect((await fetch(`${s.url}/models`)).status).toBe(503);
    s.setFaults({ modelsStatus: undefined, flapPeriodMs: 150 });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await fetch(`${s.url}/models`)).status);
      await new Promise((resolve) => setTimeout(resolve, 75));
    }
    expect(statuses[0]).toBe(200);
    expect(statuses).toContain(503);
    expect(statuses.filter((x) => x === 200).length).toBeGreaterThanOrEqual(2);
  });

  it('hangRate 1 never answers; the client giving up is reported as a cancel', async () => {
    const s = await sim({ faults: { hangRate: 1 } });
    const cancelled = new Promise<void>((resolve) => s.events.once('cancel', () => resolve()));
    const code = await fetchErrorCode(chat(s, {}, { signal: AbortSignal.timeout(150) }));
    expect(code).not.toBe('no error');
    await cancelled;
    expect(s.stats()).toMatchObject({ cancelled: 1, errorsInjected: 1, completed: 0 });
  });

  it('slowFirstByteMs delays the response headers', async () => {
    const s = await sim({ faults: { slowFirstByteMs: 120 } });
    const started = performance.now();
    const res = await fetch(`${s.url}/models`);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
    expect(res.status).toBe(200);
  });

  it('dropMidStreamRate 1 destroys the stream after dropAfterTokens tokens, without a final chunk', async () => {
    const s = await sim({ faults: { dropMidStreamRate: 1, dropAfterTokens: 3 } });
    const res = await chat(s, { max_tokens: 20, stream: true });
    const body = res.body as ReadableStream<Uint8Array>;
    const seen: string[] = [];
    const decoder = new TextDecoder();
    const code = await fetchErrorCode(
      (async () => {
        for await (const chunk of body) seen.push(decoder.decode(chunk));
      })(),
    );
    expect(code).not.toBe('no error');
    const text = seen.join('');
    expect(text.match(/"content":"[a-z]+ "/g)).toHaveLength(3);
    expect(text).not.toContain('[DONE]');
    expect(text).not.toContain('finish_reason":"length"');
    expect(s.stats()).toMatchObject({ errorsInjected: 1, cancelled: 0, running: 0 });
  });

  it('apiKey guards every /v1 route but not /metrics or /health', async () => {
    const s = await sim({ apiKey: 'sk-test' });
    expect((await fetch(`${s.url}/models`)).status).toBe(401);
    const wrong = await fetch(`${s.url}/models`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: number } }).error.code).toBe(401);
    expect((await chat(s)).status).toBe(401);
    const auth = { headers: { authorization: 'Bearer sk-test' } };
    expect((await fetch(`${s.url}/models`, auth)).status).toBe(200);
    expect((await chat(s, {}, auth)).status).toBe(200);
    expect(s.stats().lastAuthorization).toBe('Bearer sk-test');
    expect((await fetch(`${rootOf(s.url)}/metrics`)).status).toBe(200);
    expect((await fetch(`${rootOf(s.url)}/health`)).status).toBe(200);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RouterError } from '../../src/core/router-error.ts';
import { type SimServer, startSimServer } from '../../tools/sim/index.ts';
import { routerFor, send } from '../support/core-router.ts';
import { FakeClock } from '../support/fake-clock.ts';

let a: SimServer;
let b: SimServer;

beforeAll(async () => {
  [a, b] = await Promise.all([
    startSimServer({ models: ['m'], ttftMs: 1, tokensPerSecond: 1000 }),
    startSimServer({
      models: ['m'],
      ttftMs: 1,
      tokensPerSecond: 1000,
      faults: { rateLimitRate: 1, retryAfterSeconds: 7 },
    }),
  ]);
});

afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});

const limited = (url: string, rpm: number) =>
  `model_list:\n  - model_name: m\n    litellm_params:\n      model: openai/m\n      api_base: ${url}\n      rpm_limit: ${rpm}\n`;

describe('RPM limits through the attempt loop (injected clock)', () => {
  it('reject mode: 429 with Retry-After = seconds until the oldest send leaves the window', async () => {
    const clock = new FakeClock();
    const router = await routerFor(limited(a.url, 2), 'rate_limit:\n  mode: reject\n', clock);
    expect((await send(router)).status).toBe(200);
    clock.advance(15_500);
    expect((await send(router)).status).toBe(200);
    clock.advance(1_000);
    const error = (await send(router).catch((e: unknown) => e)) as RouterError;
    expect(error).toBeInstanceOf(RouterError);
    expect(error.status).toBe(429);
    expect(error.message).toBe('all backends rate limited');
    // First send at t=0 frees at t=60 s; now is t=16.5 s: 43.5 s, rounded up.
    expect(error.headers['retry-after']).toBe('44');
    clock.advance(43_499);
    expect(await send(router).catch((e: unknown) => (e as RouterError).status)).toBe(429);
    clock.advance(1);
    expect((await send(router)).status).toBe(200);
  });

  it('wait mode: holds the request until the window frees, within max_wait_ms', async () => {
    const clock = new FakeClock();
    const router = await routerFor(
      limited(a.url, 1),
      'rate_limit:\n  mode: wait\n  max_wait_ms: 60000\n',
      clock,
    );
    expect((await send(router)).status).toBe(200);
    clock.advance(10_000);
    expect((await send(router)).status).toBe(200);
    expect(clock.sleeps).toEqual([50_000]);
  });

  it('wait mode gives up with 429 when the window frees later than max_wait_ms', async () => {
    const clock = new FakeClock();
    const router = await routerFor(
      limited(a.url, 1),
      'rate_limit:\n  mode: wait\n  max_wait_ms: 5000\n',
      clock,
    );
    await send(router);
    const error = (await send(router).catch((e: unknown) => e)) as RouterError;
    expect(error.status).toBe(429);
    expect(clock.sleeps).toEqual([]);
  });

  it('retries an upstream 429 elsewhere and holds that backend for its Retry-After', async () => {
    const clock = new FakeClock();
    const yaml = `model_list:\n${[b.url, a.url]
      .map(
        (url, i) =>
          `  - model_name: m\n    litellm_params:\n      model: openai/m\n      api_base: ${url}\n      weight: ${i === 0 ? 1000 : 0.001}\n`,
      )
      .join('')}`;
    const router = await routerFor(yaml, 'retry:\n  base_delay_ms: 10\n  jitter_factor: 0\n', clock);
    const first = await send(router);
    expect(first.status).toBe(200);
    expect(first.headers['x-llm-router-backend']).toBe(`m@${a.url}`);
    const held = (await router.view()).backends.find((v) => v.id === `m@${b.url}`);
    expect(held?.holdUntil).toBe(clock.now() - 10 + 7000);
    // While held, the heavy-weight backend is skipped without an attempt.
    const before = b.stats().byPath['/v1/chat/completions'] ?? 0;
    expect((await send(router)).status).toBe(200);
    expect(b.stats().byPath['/v1/chat/completions'] ?? 0).toBe(before);
  });

  it("caps an upstream 429's Retry-After hold at 300 s", async () => {
    const day = await startSimServer({
      models: ['m'],
      ttftMs: 1,
      faults: { rateLimitRate: 1, retryAfterSeconds: 86_400 },
    });
    try {
      const clock = new FakeClock();
      const router = await routerFor(limited(day.url, 1000), '', clock);
      const error = (await send(router).catch((e: unknown) => e)) as RouterError;
      expect(error.status).toBe(429);
      const held = (await router.view()).backends.find((v) => v.id === `m@${day.url}`);
      expect(held?.holdUntil).toBeLessThanOrEqual(clock.now() + 300_000);
      expect(held?.holdUntil).toBeGreaterThan(clock.now() + 290_000);
      clock.advance(300_000);
      // Free again after the cap: the next request reaches the upstream (which still says 429).
      const sent = day.stats().byPath['/v1/chat/completions'] ?? 0;
      await send(router).catch(() => undefined);
      expect(day.stats().byPath['/v1/chat/completions'] ?? 0).toBeGreaterThan(sent);
    } finally {
      await day.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientGoneError } from '../../src/core/dispatch.ts';
import { RouterError } from '../../src/core/router-error.ts';
import { type SimServer, startSimServer } from '../../tools/sim/index.ts';

import { backendYaml, encoder, routerFor, send, transport } from '../support/core-router.ts';
import { FakeClock } from '../support/fake-clock.ts';

let refused: SimServer;
let failing: SimServer;
let healthy: SimServer;
let clientError: SimServer;
let limitedA: SimServer;
let limitedB: SimServer;

beforeAll(async () => {
  [refused, failing, healthy, clientError, limitedA, limitedB] = await Promise.all([
    startSimServer({ models: ['m'] }),
    startSimServer({ models: ['m'], faults: { errorRate: 1, errorStatus: 500 } }),
    startSimServer({ models: ['m'], ttftMs: 1, tokensPerSecond: 1000 }),
    startSimServer({ models: ['other'] }),
    startSimServer({ models: ['m'], faults: { rateLimitRate: 1, retryAfterSeconds: 7 } }),
    startSimServer({ models: ['m'], faults: { rateLimitRate: 1, retryAfterSeconds: 3 } }),
  ]);
  await refused.stop();
});

afterAll(async () => {
  await Promise.all([refused, failing, healthy, clientError, limitedA, limitedB].map((sim) => sim.close()));
  await transport.close();
});

const CONFIG =
  'retry:\n  base_delay_ms: 100\n  max_delay_ms: 300\n  jitter_factor: 0\n  failure_threshold: 100\n';

describe('dispatch failover (real sockets, injected clock)', () => {
  it('retries a refused and a 500 backend, then succeeds, sleeping base*2^(n-1) between attempts', async () => {
    const clock = new FakeClock();
    // Heavy weights make the seeded draw try the two bad backends first.
    const router = await routerFor(
      backendYaml([
        { url: refused.url, weight: 1000 },
        { url: failing.url, weight: 1000 },
        { url: healthy.url, weight: 0.001 },
      ]),
      CONFIG,
      clock,
    );
    const before = { failing: failing.stats().received, healthy: healthy.stats().received };
    const result = await send(router);
    expect(result.status).toBe(200);
    expect(result.headers['x-llm-router-backend']).toBe(`m@${healthy.url}`);
    expect(failing.stats().received - before.failing).toBe(1);
    expect(healthy.stats().received - before.healthy).toBe(1);
    expect(clock.sleeps).toEqual([100, 200]);
    const view = await router.view();
    const byId = new Map(view.backends.map((b) => [b.id, b]));
    expect(byId.get(`m@${refused.url}`)).toMatchObject({ failures: 1, sendRpm: 0, inflight: 0 });
    expect(byId.get(`m@${failing.url}`)).toMatchObject({ failures: 1, sendRpm: 1, inflight: 0 });
    expect(byId.get(`m@${healthy.url}`)).toMatchObject({ successes: 1, inflight: 0 });
  });

  it('gives up after num_retries + 1 attempts with a 502 naming the last failure, capping the backoff', async () => {
    const clock = new FakeClock();
    const router = await routerFor(
      backendYaml([
        { url: refused.url, weight: 1 },
        { url: failing.url, weight: 1 },
      ]),
      `${CONFIG}routing:\n  num_retries: 3\n`,
      clock,
    );
    const error = await send(router).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RouterError);
    const routerError = error as RouterError;
    expect(routerError.status).toBe(502);
    expect(routerError.message).toMatch(/^all retries exhausted: (upstream status 500|connect failed)/);
    expect(routerError.message).not.toContain('Bearer');
    // 4 attempts, 3 sleeps, no sleep after the last attempt; 400 is capped to max_delay_ms.
    expect(clock.sleeps).toEqual([100, 200, 300]);
    const attempts = (await router.view()).backends.reduce((sum, b) => sum + b.attempts, 0);
    expect(attempts).toBe(4);
  });

  it('answers at once, without the pending backoff, when the failure took out the last backend', async () => {
    const clock = new FakeClock();
    const router = await routerFor(
      backendYaml([{ url: failing.url, weight: 1 }]),
      'retry:\n  base_delay_ms: 100\n  jitter_factor: 0\n  failure_threshold: 2\nrouting:\n  num_retries: 5\n',
      clock,
    );
    const error = (await send(router).catch((e: unknown) => e)) as RouterError;
    expect(error).toBeInstanceOf(RouterError);
    expect(error.status).toBe(502);
    // Attempt 2 ejects the only backend: the 200 ms backoff before attempt 3 is never slept.
    expect(clock.sleeps).toEqual([100]);
  });

  it('answers 429 with the shortest upstream hold when every attempt was rate limited upstream', async () => {
    const clock = new FakeClock();
    // Two backends and num_retries 1: the attempts run out before any hold would be seen at acquire.
    const router = await routerFor(
      backendYaml([
        { url: limitedA.url, weight: 1 },
        { url: limitedB.url, weight: 1 },
      ]),
      `${CONFIG}routing:\n  num_retries: 1\n`,
      clock,
    );
    const error = (await send(router).catch((e: unknown) => e)) as RouterError;
    expect(error).toBeInstanceOf(RouterError);
    expect(error.status).toBe(429);
    expect(error.headers).toMatchObject({ 'retry-after': '3' });
  });

  it('applies jitter within ±jitter_factor, reproducibly for a seed', async () => {
    const run = async () => {
      const clock = new FakeClock();
      const router = await routerFor(
        backendYaml([{ url: failing.url, weight: 1 }]),
        'retry:\n  base_delay_ms: 1000\n  max_delay_ms: 100000\n  jitter_factor: 0.2\n  failure_threshold: 100\n',
        clock,
      );
      await send(router).catch(() => undefined);
      return clock.sleeps;
    };
    const first = await run();
    expect(first).toHaveLength(3);
    first.forEach((delay, i) => {
      const nominal = 1000 * 2 ** i;
      expect(delay).toBeGreaterThanOrEqual(nominal * 0.8);
      expect(delay).toBeLessThanOrEqual(nominal * 1.2);
    });
    expect(new Set(first.map((d, i) => d / 2 ** i)).size).toBeGreaterThan(1);
    expect(await run()).toEqual(first);
  });

  it('passes an upstream 4xx through without retrying', async () => {
    const clock = new FakeClock();
    // The sim serves only "other": asking it for "m" yields its own 404.
    const router = await routerFor(backendYaml([{ url: clientError.url, weight: 1 }]), CONFIG, clock);
    const before = clientError.stats().received;
    const result = await send(router);
    expect(result.status).toBe(404);
    expect(result.text).toContain('does not exist');
    expect(clientError.stats().received - before).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('ejects a backend after retry.failure_threshold consecutive failures', async () => {
    const clock = new FakeClock();
    const router = await routerFor(
      backendYaml([
        { url: failing.url, weight: 1 },
        { url: healthy.url, weight: 1 },
      ]),
      'retry:\n  base_delay_ms: 1\n  jitter_factor: 0\n  failure_threshold: 2\n',
      clock,
    );
    for (let i = 0; i < 10; i++) expect((await send(router)).status).toBe(200);
    const failingView = (await router.view()).backends.find((b) => b.id === `m@${failing.url}`);
    expect(failingView).toMatchObject({ healthy: false, ejected: true, failures: 2 });
  });

  it('throws ClientGoneError without an attempt when the client already left', async () => {
    const router = await routerFor(backendYaml([{ url: healthy.url, weight: 1 }]), CONFIG, new FakeClock());
    const controller = new AbortController();
    controller.abort();
    const body = encoder.encode('{"model":"m"}');
    await expect(
      router.proxy({ path: 'chat/completions', headers: {}, body: [body], signal: controller.signal }),
    ).rejects.toBeInstanceOf(ClientGoneError);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/create-app.ts';
import { silentLogger } from '../../src/core/logger.ts';
import type { SimServer } from '../../tools/sim/index.ts';
import { rawRequest } from '../support/raw-http.ts';
import { closeAll, startSims, startTestRouter, type TestRouter } from '../support/router-fixture.ts';

const BODY = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 });

/** node:http sends `path` byte for byte; fetch would normalise dot segments before they left the test. */
async function rawPost(base: string, path: string): Promise<{ status: number; type: string; text: string }> {
  const answer = await rawRequest(base, {
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(BODY)) },
    body: BODY,
  });
  return { status: answer.status, type: answer.headers['content-type'] ?? '', text: answer.text };
}

const ESCAPES = [
  '/v1/%2e%2e/metrics',
  '/v1/%2E%2E/metrics',
  '/v1/.%2e/metrics',
  '/v1/%2e./metrics',
  '/v1/..%2fmetrics',
  '/v1/..%2Fmetrics',
  '/v1/chat%2f..%2f..%2fmetrics',
  '/v1/%2fmetrics',
  '/v1/..%5cmetrics',
  '/v1/..\\metrics',
  '/v1/chat\\..\\..\\metrics',
  '/v1/../metrics',
  '/v1/chat/../../metrics',
  '/v1/./chat/completions',
  '/v1/%252e%252e/metrics',
  '/v1/%zz/chat',
];

describe('request paths that would leave api_base', () => {
  let sim: SimServer;
  let router: TestRouter;

  beforeAll(async () => {
    [sim] = (await startSims([
      { models: ['m'], ttftMs: 1, tokensPerSecond: 1000, apiKey: 'backend-secret' },
    ])) as [SimServer];
    router = await startTestRouter({
      // No engine scrape: the sim's /metrics counter must only move if a request escaped.
      main: { monitor: { skip_sources: ['self_deployed'] } },
      backends: [{ model_name: 'm', api_base: sim, api_key: 'backend-secret' }],
    });
  });

  afterAll(async () => {
    await router?.close();
    await closeAll([sim]);
  });

  it.each(ESCAPES)(
    'Node fast path answers %s with a 400 envelope and sends nothing upstream',
    async (path) => {
      const before = sim.stats().received;
      const res = await rawPost(router.url, path);
      expect(res.status).toBe(400);
      expect(res.type).toBe('application/json');
      const body = JSON.parse(res.text) as { error: { type: string; code: string } };
      expect(body.error.type).toBe('invalid_request_error');
      expect(['invalid_path', 'malformed_request']).toContain(body.error.code);
      expect(sim.stats().received).toBe(before);
      expect(sim.stats().byPath['/metrics']).toBeUndefined();
    },
  );

  it('still forwards ordinary and dotted-but-safe paths', async () => {
    expect((await rawPost(router.url, '/v1/chat/completions')).status).toBe(200);
    expect(sim.stats().lastAuthorization).toBe('Bearer backend-secret');
    // Unknown to the sim: its 404 is passed through, which proves the router forwarded it in place.
    const dotted = await rawPost(router.url, '/v1/rerank.v2?x=1');
    expect(dotted.status).toBe(404);
    expect(sim.stats().byPath['/v1/rerank.v2']).toBe(1);
  });

  it('the Hono route (what the Worker serves) refuses the same paths', async () => {
    const app = createApp({ router: router.running.router, log: silentLogger });
    const before = sim.stats().received;
    // The Request URL parser already resolves `.`, `..` and `%2e%2e` segments (so `/v1/./chat/completions`
    // is plain chat/completions there, and an escape no longer matches /v1/*); what survives it
    // (`..%2f`, `%5c`, `%252e`) must be refused by the route itself.
    for (const path of ESCAPES.filter((p) => p !== '/v1/./chat/completions')) {
      const res = await app.request(`http://router.test${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: BODY,
      });
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(res.headers.get('content-type'), path).toContain('application/json');
    }
    const refused = await app.request('http://router.test/v1/..%2fmetrics', { method: 'POST', body: BODY });
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('invalid_path');
    expect(sim.stats().received).toBe(before);
    expect(sim.stats().byPath['/metrics']).toBeUndefined();
  });
});

import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUndiciTransport } from '../../adapters/node/undici-transport.ts';
import { scrapeEngine } from '../../src/metrics/scrape-engine.ts';
import { startTestRouter, type TestRouter } from '../support/router-fixture.ts';
import { type StubUpstream, startStubUpstream } from '../support/stub-upstream.ts';

const FILLER = Buffer.alloc(256 * 1024, ' ');

/** An endless `/models` answer: JSON that never closes. */
function endless(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"object":"list","data":[');
  const pump = () => {
    while (!res.destroyed && res.write(FILLER));
    if (!res.destroyed) res.once('drain', pump);
  };
  pump();
}

/**
 * Item 10: a probe that ran into its own timeout was reported as "client disconnected", and
 * `verify_model` read `/models` to the end whatever its size.
 */
describe('probe failures', () => {
  let hanging: StubUpstream;
  let flooding: StubUpstream;
  let router: TestRouter;

  beforeAll(async () => {
    // Answers neither /models nor /metrics (anything but an inference POST hangs).
    hanging = await startStubUpstream(() => {}, { models: () => {}, get: () => {} });
    flooding = await startStubUpstream((_req, res) => res.end('{}'), { models: (_req, res) => endless(res) });
    router = await startTestRouter({
      main: { health_check: { timeout: 0.4, failure_threshold: 1, verify_model: true } },
      backends: [
        { model_name: 'hangs', api_base: hanging.url },
        { model_name: 'floods', api_base: flooding.url },
      ],
    });
  });
  afterAll(async () => {
    await router?.close();
    await Promise.all([hanging?.close(), flooding?.close()]);
  });

  const lastErrorOf = async (model: string) => {
    const response = await fetch(`${router.url}/api/dashboard`);
    const { backends } = (await response.json()) as {
      backends: { model_name: string; healthy: boolean; last_error: string | null }[];
    };
    return backends.find((backend) => backend.model_name === model);
  };

  it('a probe timeout is reported as a timeout', async () => {
    const backend = await lastErrorOf('hangs');
    expect(backend?.healthy).toBe(false);
    expect(backend?.last_error).toBe('probe: timeout after 400 ms');
  });

  it('verify_model stops reading an oversized /models answer', async () => {
    const backend = await lastErrorOf('floods');
    expect(backend?.healthy).toBe(false);
    expect(backend?.last_error).toBe('probe: GET /models answer too large');
  });

  it('an engine scrape timeout is reported as a timeout', async () => {
    const transport = createUndiciTransport({
      connectTimeoutMs: 1000,
      headersTimeoutMs: 5000,
      idleTimeoutMs: 5000,
      requestTimeoutMs: 5000,
      maxConnsPerHost: 0,
      keepAliveTimeoutMs: 1000,
    });
    const backend = router.running.router.snapshot.backends.find((b) => b.modelName === 'hangs');
    expect(backend).toBeDefined();
    if (!backend) return;
    const result = await scrapeEngine(transport, backend, 300);
    await transport.destroy();
    expect(result).toEqual({ kind: 'error', message: 'timeout after 300 ms' });
  });
});

import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ABSENT_BACKOFF_MS } from '../../src/metrics/scrape-schedule.ts';
import { routerFor, transport } from '../support/core-router.ts';
import { FakeClock } from '../support/fake-clock.ts';

/** A backend whose /metrics answers what `metrics` says, recording every /metrics request it gets. */
interface MetricsBackend {
  readonly url: string;
  readonly hits: IncomingMessage['headers'][];
  metrics: { status: number; body: string };
  readonly server: Server;
}

async function metricsBackend(status: number, body = ''): Promise<MetricsBackend> {
  const backend = { hits: [], metrics: { status, body } } as unknown as MetricsBackend & { url: string };
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      backend.hits.push(req.headers);
      res.writeHead(backend.metrics.status, { 'content-type': 'text/plain' }).end(backend.metrics.body);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"object":"list","data":[]}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  Object.assign(backend, { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` });
  return backend;
}

const VLLM_PAGE =
  '# TYPE vllm:num_requests_waiting gauge\nvllm:num_requests_waiting{engine="0"} 5\n' +
  'vllm:num_requests_running{engine="0"} 2\nvllm:kv_cache_usage_perc{engine="0"} 0.5\n';

let engine: MetricsBackend;
let hosted: MetricsBackend;
let optedOut: MetricsBackend;

beforeAll(async () => {
  [engine, hosted, optedOut] = await Promise.all([
    metricsBackend(200, VLLM_PAGE),
    metricsBackend(404),
    metricsBackend(200, VLLM_PAGE),
  ]);
});

afterAll(async () => {
  for (const b of [engine, hosted, optedOut]) b.server.close();
  await transport.close();
});

describe('scrapeRound over real sockets', () => {
  it('reads engine load with the backend key, pauses a 404 for the back-off, clears load on errors, skips opted-out backends', async () => {
    const clock = new FakeClock();
    const yaml = [
      'model_list:',
      '  - model_name: m',
      `    litellm_params: { model: openai/m, api_base: "${engine.url}", api_key: sk-engine-key }`,
      '  - model_name: m',
      `    litellm_params: { model: openai/m, api_base: "${hosted.url}" }`,
      '  - model_name: m',
      `    litellm_params: { model: openai/m, api_base: "${optedOut.url}", scrape_metrics: false }`,
      '',
    ].join('\n');
    const router = await routerFor(yaml, 'monitor:\n  collect_interval: 1\n', clock);
    const load = async (url: string) =>
      (await router.view()).backends.find((b) => b.id === `m@${url}`)?.load ?? null;

    await router.background.runNow('scrape');
    expect(engine.hits).toHaveLength(1);
    expect(engine.hits[0]?.authorization).toBe('Bearer sk-engine-key');
    expect(await load(engine.url)).toMatchObject({
      engine: 'vllm',
      waiting: 5,
      running: 2,
      kvCacheUsage: 0.5,
    });
    expect(hosted.hits).toHaveLength(1);
    expect(await load(hosted.url)).toBeNull();
    expect(optedOut.hits).toHaveLength(0);

    // Next period: the engine again, the 404 backend not until its back-off has passed.
    clock.advance(1000);
    await router.background.runNow('scrape');
    expect(engine.hits).toHaveLength(2);
    expect(hosted.hits).toHaveLength(1);
    clock.advance(ABSENT_BACKOFF_MS);
    await router.background.runNow('scrape');
    expect(hosted.hits).toHaveLength(2);

    // A failing scrape drops the old numbers at once rather than let them steer traffic.
    engine.metrics = { status: 500, body: '' };
    clock.advance(1000);
    await router.background.runNow('scrape');
    expect(engine.hits).toHaveLength(4);
    expect(await load(engine.url)).toBeNull();
    expect(optedOut.hits).toHaveLength(0);
  });
});

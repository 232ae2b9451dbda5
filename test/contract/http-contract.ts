import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../tools/sim/index.ts';
import {
  type BackendEntry,
  type ConfigTree,
  closeAll,
  inferenceCount,
  startSims,
  waitFor,
} from '../support/router-fixture.ts';
import { chatJson, sseEvents } from '../support/sse.ts';

/** What a runtime under test is given: the usual test config plus these backends. */
export interface ContractSetup {
  readonly main: ConfigTree;
  readonly backends: readonly BackendEntry[];
}

/** A running router (Node service or Worker) in front of the contract's simulated backends. */
export interface ContractTarget {
  readonly url: string;
  /** Make the target finish its first health round (Node runs one at start; the Worker on its cron). */
  firstHealthRound(): Promise<void>;
  /**
   * How soon after a client disconnect the upstream must see its request cancelled (default 3 s). The
   * Worker learns of some disconnects only from the client no longer reading (ROUTER_STALL_MS).
   */
  readonly clientGoneWithinMs?: number;
  close(): Promise<void>;
}

export type StartTarget = (setup: ContractSetup) => Promise<ContractTarget>;

export const CONTRACT_KEY = 'contract-key';
export const MODELS = ['m-fail', 'm-failover', 'm-limited', 'm-ok'] as const;

/** Sims and backends shared by every runtime's run of the suite (and the envelope comparison). */
export interface ContractFleet {
  readonly ok: SimServer;
  readonly ok2: SimServer;
  readonly bad: SimServer;
  readonly setup: ContractSetup;
}

export async function startContractFleet(): Promise<ContractFleet> {
  const [ok, ok2, bad] = await startSims([
    { models: ['m-ok', 'm-limited', 'm-failover'], ttftMs: 5, tokensPerSecond: 20 },
    { models: ['m-ok'], ttftMs: 5, tokensPerSecond: 20 },
    { models: ['m-fail', 'm-failover'], faults: { errorRate: 1, errorStatus: 500 } },
  ]);
  if (!ok || !ok2 || !bad) throw new Error('sims did not start');
  return {
    ok,
    ok2,
    bad,
    setup: {
      main: { server: { api_keys: [CONTRACT_KEY] }, retry: { failure_threshold: 50 } },
      backends: [
        { model_name: 'm-ok', api_base: ok },
        { model_name: 'm-ok', api_base: ok2 },
        { model_name: 'm-limited', api_base: ok, rpm_limit: 1 },
        { model_name: 'm-fail', api_base: bad },
        { model_name: 'm-failover', api_base: bad },
        { model_name: 'm-failover', api_base: ok },
      ],
    },
  };
}

export const auth = { authorization: `Bearer ${CONTRACT_KEY}` };

export function post(
  url: string,
  body: string,
  headers: Record<string, string> = auth,
  signal?: AbortSignal,
) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    signal,
  });
}

/**
 * SPEC §1 as both runtimes must serve it. Error envelopes are compared with literal bytes, so a runtime
 * that passes produces exactly what every other passing runtime produces.
 */
export function runHttpContract(name: string, start: StartTarget): void {
  describe(`HTTP contract: ${name}`, () => {
    let fleet: ContractFleet;
    let target: ContractTarget;
    let url: string;

    beforeAll(async () => {
      fleet = await startContractFleet();
      target = await start(fleet.setup);
      url = target.url;
      await target.firstHealthRound();
    });

    afterAll(async () => {
      await target?.close();
      if (fleet) await closeAll([fleet.ok, fleet.ok2, fleet.bad]);
    });

    it('GET /health is 200 {"status":"ok"}', async () => {
      const response = await fetch(`${url}/health`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('{"status":"ok"}');
    });

    it('GET /ready is 200 after the first health round', async () => {
      const response = await fetch(`${url}/ready`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { status: string }).status).toBe('ready');
    });

    it('GET /v1/models lists every configured model, sorted', async () => {
      const response = await fetch(`${url}/v1/models`, { headers: auth });
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        object: string;
        data: { id: string; object: string; owned_by: string }[];
      };
      expect(body.object).toBe('list');
      expect(body.data.map((model) => model.id)).toEqual([...MODELS]);
      expect(body.data.every((model) => model.object === 'model' && model.owned_by === 'llm-router')).toBe(
        true,
      );
    });

    it('GET /v1/models/{id}: the model object (openai models.retrieve), or the 404 envelope', async () => {
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: CONTRACT_KEY, maxRetries: 0 });
      const model = await client.models.retrieve('m-ok');
      expect(model).toMatchObject({ id: 'm-ok', object: 'model', owned_by: 'llm-router' });
      const listed = (await (await fetch(`${url}/v1/models`, { headers: auth })).json()) as {
        data: { id: string; created: number }[];
      };
      expect(model.created).toBe(listed.data.find((entry) => entry.id === 'm-ok')?.created);
      const missing = await fetch(`${url}/v1/models/${encodeURIComponent('no"such')}`, { headers: auth });
      expect(missing.status).toBe(404);
      expect(await missing.text()).toBe(
        `{"error":{"message":"model 'no\\"such' not found","type":"invalid_request_error","param":null,"code":"model_not_found"}}`,
      );
      expect((await fetch(`${url}/v1/models/m-ok`)).status).toBe(401);
      const dashboard = (await (await fetch(`${url}/api/dashboard`, { headers: auth })).json()) as {
        system: { refresh_interval_ms: number };
      };
      expect(dashboard.system.refresh_interval_ms).toBe(2000);
    });

    it('401 envelope without the inbound key', async () => {
      const response = await post(`${url}/v1/chat/completions`, chatJson('m-ok'), {});
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(await response.text()).toBe(
        '{"error":{"message":"invalid api key","type":"authentication_error","param":null,"code":"invalid_api_key"}}',
      );
    });

    it('400 envelope for a missing model', async () => {
      const response = await post(
        `${url}/v1/chat/completions`,
        '{"messages":[{"role":"user","content":"hi"}]}',
      );
      expect(response.status).toBe(400);
      expect(await response.text()).toBe(
        `{"error":{"message":"missing or empty 'model' field","type":"invalid_request_error","param":null,"code":"missing_model"}}`,
      );
    });

    it('400 envelope for a body that is not JSON', async () => {
      const response = await post(`${url}/v1/chat/completions`, 'not json at all');
      expect(response.status).toBe(400);
      expect(await response.text()).toBe(
        '{"error":{"message":"failed to read request body","type":"invalid_request_error","param":null,"code":"invalid_body"}}',
      );
    });

    it('404 envelope for an unknown model, name escaped', async () => {
      const response = await post(`${url}/v1/chat/completions`, chatJson('no"such</model>'));
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(await response.text()).toBe(
        `{"error":{"message":"model 'no\\"such</model>' not found","type":"invalid_request_error","param":null,"code":"model_not_found"}}`,
      );
    });

    it('404 for an unknown path and 405 with Allow for a wrong method', async () => {
      const missing = await fetch(`${url}/nope`);
      expect(missing.status).toBe(404);
      expect(await missing.text()).toBe(
        '{"error":{"message":"no route for /nope","type":"invalid_request_error","param":null,"code":"not_found"}}',
      );
      const wrong = await fetch(`${url}/v1/chat/completions`, { headers: auth });
      expect(wrong.status).toBe(405);
      expect(wrong.headers.get('allow')).toBe('POST');
    });

    it('non-streaming completion passes through with request id and backend headers', async () => {
      const response = await post(`${url}/v1/chat/completions`, chatJson('m-ok', { max_tokens: 2 }), {
        ...auth,
        'x-request-id': 'contract-req-1',
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-request-id')).toBe('contract-req-1');
      expect(response.headers.get('x-llm-router-backend')).toMatch(/^m-ok@http:\/\/127\.0\.0\.1:\d+\/v1$/);
      const body = (await response.json()) as { choices: { message: { content: string } }[] };
      expect(body.choices[0]?.message.content.length).toBeGreaterThan(0);
    });

    it('forwards the query string to the backend unchanged', async () => {
      const response = await post(
        `${url}/v1/chat/completions?api-version=2024-06-01`,
        chatJson('m-ok', { max_tokens: 1 }),
        auth,
      );
      expect(response.status).toBe(200);
      const backend = response.headers.get('x-llm-router-backend');
      await response.arrayBuffer();
      const sim = backend?.endsWith(`@${fleet.ok.url}`) ? fleet.ok : fleet.ok2;
      expect(sim.stats().lastUrl).toBe('/v1/chat/completions?api-version=2024-06-01');
    });

    it('streams SSE events incrementally, as the backend produces them', async () => {
      const response = await post(
        `${url}/v1/chat/completions`,
        chatJson('m-ok', { stream: true, max_tokens: 6 }),
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(response.headers.get('cache-control')).toBe('no-cache');
      const arrivals: number[] = [];
      const data: string[] = [];
      for await (const event of sseEvents(response.body!)) {
        arrivals.push(event.at);
        data.push(event.data);
      }
      expect(data.at(-1)).toBe('[DONE]');
      // 6 tokens at 20/s: ~250 ms between the first and the last token; buffering would collapse that.
      const spread = (arrivals.at(-2) ?? 0) - (arrivals[0] ?? 0);
      expect(spread).toBeGreaterThan(150);
      expect(new Set(arrivals.map((at) => Math.round(at / 20))).size).toBeGreaterThanOrEqual(4);
    });

    it('the openai SDK streams through it', async () => {
      const client = new OpenAI({
        baseURL: `${url}/v1`,
        apiKey: CONTRACT_KEY,
        maxRetries: 0,
        timeout: 20_000,
      });
      const stream = await client.chat.completions.create({
        model: 'm-ok',
        messages: [{ role: 'user', content: 'hello' }],
        stream: true,
        max_tokens: 3,
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      expect(text.length).toBeGreaterThan(0);
    });

    it('fails over from a 5xx backend to a healthy one', async () => {
      // The strategy breaks ties at random, so send until one request has been tried on the
      // failing backend first (2^-40 odds of never, with a fair tie-break, where six
      // requests failed one CI run in about sixty); every reply is the healthy backend's.
      const before = inferenceCount(fleet.bad);
      for (let i = 0; i < 40 && inferenceCount(fleet.bad) === before; i++) {
        const response = await post(`${url}/v1/chat/completions`, chatJson('m-failover', { max_tokens: 1 }));
        expect(response.status).toBe(200);
        expect(response.headers.get('x-llm-router-backend')).toBe(`m-failover@${fleet.ok.url}`);
        await response.arrayBuffer();
      }
      expect(inferenceCount(fleet.bad)).toBeGreaterThan(before);
    });

    it('429 envelope with Retry-After when every backend is at its RPM limit', async () => {
      const first = await post(`${url}/v1/chat/completions`, chatJson('m-limited', { max_tokens: 1 }));
      expect(first.status).toBe(200);
      await first.arrayBuffer();
      const second = await post(`${url}/v1/chat/completions`, chatJson('m-limited', { max_tokens: 1 }));
      expect(second.status).toBe(429);
      expect(await second.text()).toBe(
        '{"error":{"message":"all backends rate limited","type":"rate_limit_error","param":null,"code":"rate_limited"}}',
      );
      const retryAfter = Number(second.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    });

    it('502 envelope naming the last upstream status when every attempt fails', async () => {
      const response = await post(`${url}/v1/chat/completions`, chatJson('m-fail'));
      expect(response.status).toBe(502);
      expect(await response.text()).toBe(
        `{"error":{"message":"all retries exhausted: upstream status 500: from m-fail@${fleet.bad.url}","type":"server_error","param":null,"code":"all_retries_exhausted"}}`,
      );
    });

    it('a client abort mid-stream cancels the upstream request and frees the slot', async () => {
      const cancelled = new Promise<void>((resolve) => {
        fleet.ok.events.once('cancel', () => resolve());
        fleet.ok2.events.once('cancel', () => resolve());
      });
      const controller = new AbortController();
      const response = await post(
        `${url}/v1/chat/completions`,
        chatJson('m-ok', { stream: true, max_tokens: 400 }),
        { ...auth, 'x-request-id': 'contract-abort' },
        controller.signal,
      );
      const reader = response.body!.getReader();
      await reader.read();
      controller.abort();
      await reader.cancel().catch(() => {});
      let timer: ReturnType<typeof setTimeout> | undefined;
      const seen = await Promise.race([
        cancelled.then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), target.clientGoneWithinMs ?? 3000);
        }),
      ]);
      clearTimeout(timer);
      expect(seen).toBe(true);
      const freed = await waitFor(
        async () => {
          const dashboard = (await (await fetch(`${url}/api/dashboard`, { headers: auth })).json()) as {
            backends: { connections: number }[];
          };
          return dashboard.backends.every((backend) => backend.connections === 0);
        },
        3000,
        50,
      );
      expect(freed).toBe(true);
    });

    it('GET /metrics is the Prometheus exposition', async () => {
      const response = await fetch(`${url}/metrics`, { headers: auth });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await response.text()).toMatch(/^llm_router_requests_total\{outcome="success"\} [1-9]/m);
    });

    it('GET /api/dashboard has the Go router shapes', async () => {
      const response = await fetch(`${url}/api/dashboard`, { headers: auth });
      expect(response.status).toBe(200);
      const body = (await response.json()) as Record<string, unknown> & { backends: { id: string }[] };
      for (const key of ['system', 'requests', 'summary', 'models', 'backends'])
        expect(body).toHaveProperty(key);
      expect(body.backends).toHaveLength(6);
      expect(JSON.stringify(body)).not.toContain('dummy');
    });

    it('latency over the last 60 s per backend, per model and in total, and errors by kind', async () => {
      for (const model of ['m-ok', 'm-fail']) {
        const response = await post(`${url}/v1/chat/completions`, chatJson(model), auth);
        await response.arrayBuffer();
      }
      type Latency = {
        ttft_p50_ms: number | null;
        ttft_p99_ms: number | null;
        latency_p50_ms: number | null;
        latency_p99_ms: number | null;
        errors: Record<string, number>;
      };
      const body = (await (await fetch(`${url}/api/dashboard`, { headers: auth })).json()) as {
        latency: Latency & { window_seconds: number };
        models: (Latency & { name: string })[];
        backends: (Latency & { id: string; model_name: string })[];
      };
      expect(body.latency.window_seconds).toBe(60);
      expect(body.latency.ttft_p50_ms).toBeGreaterThan(0);
      const okModel = body.models.find((m) => m.name === 'm-ok')!;
      expect(okModel.ttft_p50_ms).toBeGreaterThan(0);
      expect(okModel.latency_p99_ms).toBeGreaterThanOrEqual(okModel.latency_p50_ms!);
      const served = body.backends.filter((b) => b.model_name === 'm-ok' && b.ttft_p50_ms !== null);
      expect(served.length).toBeGreaterThan(0);
      const failing = body.backends.find((b) => b.model_name === 'm-fail')!;
      expect(failing.ttft_p50_ms).toBeNull();
      expect(failing.errors.status_5xx).toBeGreaterThan(0);
      expect(body.models.find((m) => m.name === 'm-fail')!.errors.status_5xx).toBe(failing.errors.status_5xx);
      const metrics = await (await fetch(`${url}/metrics`, { headers: auth })).text();
      expect(metrics).toMatch(
        /^llm_router_backend_errors_total\{backend="m-fail@[^"]+",[^}]*kind="status_5xx"\} [1-9]/m,
      );
    });
  });
}

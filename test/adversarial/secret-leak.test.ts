import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../tools/sim/index.ts';
import { startWorkerTarget, type WorkerTarget } from '../cloudflare/worker-target.ts';
import { killAllCli } from '../support/cli.ts';
import { closeAll, startSims, waitFor } from '../support/router-fixture.ts';
import { type RouterProcess, startRouterProcess } from '../support/router-process.ts';
import { type StubUpstream, startStubUpstream } from '../support/stub-upstream.ts';

/** Backend keys that must never come out of the router: unique per run, so any sighting is a leak. */
const LITERAL = `sk-canary-literal-${randomBytes(8).toString('hex')}`;
const FROM_ENV = `sk-canary-env-${randomBytes(8).toString('hex')}`;
const CANARIES = [LITERAL, FROM_ENV];
/** What a hosted API quotes of a key (OpenAI: the last four characters behind asterisks). */
const MASKED = (key: string) => `${key.slice(0, 8)}****${key.slice(-4)}`;
const INBOUND = 'inbound-key';
const auth = { authorization: `Bearer ${INBOUND}` };

/** Everything a client or an operator could read: status, headers and body of every answer. */
const captured: string[] = [];

async function capture(url: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(url, init);
  const body = await response.text();
  captured.push(`${response.status} ${JSON.stringify([...response.headers])}\n${body}`);
  return new Response(body, { status: response.status, headers: response.headers });
}

function leaks(text: string): string[] {
  return CANARIES.flatMap((key) =>
    [key, MASKED(key), key.slice(-12)]
      .filter((needle) => text.includes(needle))
      .map((n) => `${n} in …${text.slice(Math.max(0, text.indexOf(n) - 80), text.indexOf(n) + 40)}`),
  );
}

/**
 * The secret-leak scan of the adversarial suite: backend keys are canaries, and every answer, log line
 * (debug level) and dashboard payload the router produces while driven down many paths is searched for
 * them (whole, masked as hosted APIs quote them, or their tail): successes and streams, upstream 401s
 * that quote the key, 5xx and resets, refused and hung backends, failing probes and scrapes, a backend
 * file rejected on reload, malformed requests, the dashboard, history and /metrics; on Node and on the
 * Worker.
 */
describe('secret-leak scan (backend keys as canaries)', () => {
  let ok: StubUpstream;
  let quoting: StubUpstream;
  let probeQuoting: StubUpstream;
  let failing: StubUpstream;
  let dropping: StubUpstream;
  let router: RouterProcess;
  const keysSeen: string[] = [];

  beforeAll(async () => {
    ok = await startStubUpstream((req, res, body) => {
      keysSeen.push(String(req.headers.authorization));
      const stream = body.includes('"stream":true');
      res.writeHead(200, { 'content-type': stream ? 'text/event-stream' : 'application/json' });
      res.end(stream ? 'data: {"choices":[]}\n\ndata: [DONE]\n\n' : '{"choices":[]}');
    });
    // A hosted API refusing the key, quoting it (masked, and for good measure whole), on inference,
    // /models probes and /metrics scrapes alike.
    const refuse = (req: { headers: Record<string, unknown> }, res: import('node:http').ServerResponse) => {
      const key = String(req.headers.authorization ?? '').replace('Bearer ', '');
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': `Bearer realm="${key}"` });
      res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${MASKED(key)} (${key})` } }));
    };
    quoting = await startStubUpstream(refuse, { get: refuse });
    probeQuoting = await startStubUpstream(refuse, { models: refuse, get: refuse });
    failing = await startStubUpstream((req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain', 'x-echo': String(req.headers.authorization) });
      res.end(`internal error for ${String(req.headers.authorization)}`);
    });
    dropping = await startStubUpstream((_req, res) => res.socket?.destroy());
    router = await startRouterProcess({
      main: {
        server: { api_keys: [INBOUND] },
        dashboard: { enabled: true },
        routing: { num_retries: 2 },
        health_check: { interval: 0.5, timeout: 0.3 },
        monitor: { collect_interval: 0.5 },
        log: { level: 'debug' },
      },
      backends: [
        { model_name: 'ok', api_base: ok.url, api_key: LITERAL },
        {
          model_name: 'ok',
          api_base: ok.url.replace('127.0.0.1', 'localhost'),
          api_key: 'os.environ/CANARY_KEY',
        },
        {
          model_name: 'quoted',
          api_base: quoting.url,
          api_key: 'os.environ/CANARY_KEY',
        },
        { model_name: 'quoted', api_base: quoting.url.replace('127.0.0.1', 'localhost'), api_key: LITERAL },
        { model_name: 'probe-refused', api_base: probeQuoting.url, api_key: LITERAL },
        { model_name: 'failing', api_base: failing.url, api_key: LITERAL },
        { model_name: 'dropping', api_base: dropping.url, api_key: 'os.environ/CANARY_KEY' },
        { model_name: 'refused', api_base: 'http://127.0.0.1:9/v1', api_key: LITERAL },
      ],
      env: { CANARY_KEY: FROM_ENV },
    });
  });
  afterAll(async () => {
    await router?.close();
    await Promise.all([ok, quoting, probeQuoting, failing, dropping].map((s) => s?.close()));
    await killAllCli();
  });

  const chat = (model: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = auth) =>
    capture(`${router.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...extra }),
    });

  it('Node: no answer, log line or dashboard payload carries a backend key', async () => {
    // Let probes and scrapes fail a few rounds (401 quoting the key, refused, hung): their errors land
    // in the log and on the dashboard.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await chat('ok')).status).toBe(200);
    expect((await chat('ok', { stream: true })).status).toBe(200);
    // 'ok' has one backend per canary: ask until each has been used (the strategy picks at random).
    for (
      let i = 0;
      i < 40 && !(keysSeen.includes(`Bearer ${LITERAL}`) && keysSeen.includes(`Bearer ${FROM_ENV}`));
      i++
    )
      expect((await chat('ok', { stream: i % 2 === 0 })).status).toBe(200);
    expect((await chat('quoted')).status).toBe(502);
    expect((await chat('failing')).status).toBe(502);
    expect((await chat('dropping')).status).toBe(502);
    expect([502, 503]).toContain((await chat('refused')).status);
    expect((await chat('probe-refused')).status).toBe(503);
    expect((await chat('nope')).status).toBe(404);
    expect((await chat('ok', {}, {})).status).toBe(401);
    expect((await chat('ok', {}, { ...auth, origin: 'https://attacker.example' })).status).toBe(403);
    await capture(`${router.url}/v1/chat/completions`, { method: 'POST', headers: auth, body: '{"model":' });
    await capture(`${router.url}/v1/../metrics`, { method: 'POST', headers: auth, body: '{}' });
    for (const path of ['/v1/models', '/v1/models/ok', '/api/dashboard', '/api/history', '/metrics'])
      expect((await capture(`${router.url}${path}`, { headers: auth })).status, path).toBe(200);
    for (const path of ['/health', '/ready', '/dashboard/', '/dashboard/app.js', '/nope', '/dashboard/%'])
      await capture(`${router.url}${path}`);

    // A backend file edited into an invalid state, the canary on the offending line: rejected, reported.
    await writeFile(
      join(router.config.dir, 'self_deployed_broken.yaml'),
      `model_list:\n  - model_name: x\n    litellm_params:\n      api_base: http://127.0.0.1:9/v1\n      api_key: "${LITERAL}\n      weight: [\n`,
    );
    await writeFile(
      join(router.config.dir, 'self_deployed_invalid.yaml'),
      `model_list:\n  - model_name: y\n    litellm_params:\n      api_base: http://127.0.0.1:9/v1\n      api_key: ${FROM_ENV}\n      weight: heavy\n`,
    );
    expect(
      await waitFor(
        async () => {
          const response = await capture(`${router.url}/api/dashboard`, { headers: auth });
          return ((await response.json()) as { config_errors: unknown[] }).config_errors.length === 2;
        },
        10_000,
        200,
      ),
    ).toBe(true);

    // The keys were really in use: the upstream received them.
    expect(keysSeen).toContain(`Bearer ${LITERAL}`);
    expect(keysSeen).toContain(`Bearer ${FROM_ENV}`);
    const logs = `${router.proc.stdout()}\n${router.proc.stderr()}`;
    expect(logs).toContain('config rejected');
    expect(captured.length).toBeGreaterThan(25);
    expect(leaks(logs)).toEqual([]);
    expect(captured.flatMap(leaks)).toEqual([]);
  });

  describe('Worker (workerd)', () => {
    let sims: SimServer[];
    let worker: WorkerTarget;
    beforeAll(async () => {
      sims = await startSims([
        { models: ['m'], apiKey: FROM_ENV },
        { models: ['m'], apiKey: 'another-key' },
      ]);
      worker = await startWorkerTarget({
        main: { server: { api_keys: [INBOUND] }, dashboard: { enabled: true }, log: { level: 'debug' } },
        backends: [
          { model_name: 'm', api_base: sims[0]!, api_key: 'os.environ/UPSTREAM_KEY' },
          // The sim wants another key: 401 quoting nothing, but the attempt fails and is retried.
          { model_name: 'm', api_base: sims[1]!, api_key: LITERAL },
        ],
        bindings: { UPSTREAM_KEY: FROM_ENV },
      });
    });
    afterAll(async () => {
      await worker?.close();
      await closeAll(sims ?? []);
    });

    it('no answer or Worker log line carries a backend key', async () => {
      const before = captured.length;
      await worker.cron();
      for (let i = 0; i < 4; i++) {
        const response = await capture(`${worker.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 }),
        });
        expect([200, 502, 503]).toContain(response.status);
      }
      for (const path of ['/v1/models', '/api/dashboard', '/api/history', '/metrics', '/health', '/ready'])
        await capture(`${worker.url}${path}`, { headers: auth });
      await capture(`${worker.url}/v1/models`);
      expect(captured.length - before).toBeGreaterThan(10);
      expect(captured.slice(before).flatMap(leaks)).toEqual([]);
      expect(leaks(worker.logs())).toEqual([]);
    });
  });
});

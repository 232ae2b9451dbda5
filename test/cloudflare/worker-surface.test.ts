import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../tools/miniflare/bundle-worker.ts';
import { startWorkerTarget, type WorkerTarget } from './worker-target.ts';

const backends = [{ model_name: 'm', api_base: 'http://127.0.0.1:9/v1' }];

describe('Worker surface (workerd): dashboard assets and inbound auth', () => {
  const workers: WorkerTarget[] = [];
  const start = async (options: Parameters<typeof startWorkerTarget>[0]) => {
    const worker = await startWorkerTarget(options);
    workers.push(worker);
    return worker;
  };
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.close()));
  });

  describe('dashboard from public/ as static assets', () => {
    let worker: WorkerTarget;
    beforeAll(async () => {
      worker = await start({
        main: { server: { api_keys: ['k'] }, dashboard: { enabled: true } },
        backends,
        assets: true,
      });
    });

    it('serves public/index.html at /dashboard/ and redirects / there', async () => {
      const page = await fetch(`${worker.url}/dashboard/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toBe(await readFile(join(ROOT, 'public', 'index.html'), 'utf8'));
      const root = await fetch(`${worker.url}/`, { redirect: 'manual' });
      expect(root.status).toBe(302);
      expect(root.headers.get('location')).toBe('/dashboard/');
    });

    it('serves the other files and answers 404 envelopes for missing ones', async () => {
      expect((await fetch(`${worker.url}/dashboard/favicon.svg`)).status).toBe(200);
      const missing = await fetch(`${worker.url}/dashboard/nope.js`);
      expect(missing.status).toBe(404);
      expect(await missing.text()).toBe(
        '{"error":{"message":"no route for /dashboard/nope.js","type":"invalid_request_error","param":null,"code":"not_found"}}',
      );
    });

    it('keeps the API routes ahead of the assets', async () => {
      expect((await fetch(`${worker.url}/v1/models`)).status).toBe(401);
      expect(
        (await fetch(`${worker.url}/v1/models`, { headers: { authorization: 'Bearer k' } })).status,
      ).toBe(200);
    });
  });

  describe('inbound auth is on by default', () => {
    it('refuses everything but /health when server.api_keys is empty', async () => {
      const worker = await start({ backends });
      expect((await fetch(`${worker.url}/health`)).status).toBe(200);
      const refused = await fetch(`${worker.url}/v1/models`);
      expect(refused.status).toBe(503);
      const body = (await refused.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('auth_not_configured');
      expect(body.error.message).toContain('ALLOW_NO_AUTH');
    });

    it('runs open only with ALLOW_NO_AUTH="true"', async () => {
      const worker = await start({ backends, bindings: { ALLOW_NO_AUTH: 'true' } });
      expect((await fetch(`${worker.url}/v1/models`)).status).toBe(200);
    });

    it('resolves os.environ/NAME keys from Worker secrets, and refuses when the secret is missing', async () => {
      const main = { server: { api_keys: ['os.environ/ROUTER_API_KEY'] } };
      const withSecret = await start({ main, backends, bindings: { ROUTER_API_KEY: 'from-secret' } });
      expect((await fetch(`${withSecret.url}/v1/models`)).status).toBe(401);
      const ok = await fetch(`${withSecret.url}/v1/models`, {
        headers: { authorization: 'Bearer from-secret' },
      });
      expect(ok.status).toBe(200);
      // A key that names a missing secret is a config error (as a backend api_key is), never dropped.
      const without = await start({ main, backends });
      const refused = await fetch(`${without.url}/v1/models`);
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('invalid_config');
      expect(without.logs()).toContain(
        'invalid configuration: config.yaml: server.api_keys[0]: environment variable ROUTER_API_KEY is not set',
      );
    });

    // Issue 10, item 9: start-up errors named secrets (and quoted ROUTER_BACKENDS text) to anyone asking.
    it('answers a config that does not load with a 503 naming nothing; the reason goes to the log', async () => {
      const worker = await start({
        backends: [
          { model_name: 'm', api_base: 'http://127.0.0.1:9/v1', api_key: 'os.environ/UPSTREAM_KEY' },
        ],
        bindings: { ALLOW_NO_AUTH: 'true' },
      });
      for (const path of ['/v1/models', '/health', '/api/dashboard', '/nope']) {
        const response = await fetch(`${worker.url}${path}`);
        expect(response.status, path).toBe(503);
        const text = await response.text();
        expect(JSON.parse(text)).toEqual({
          error: {
            message: 'router is not configured correctly; the reason is in the Worker log',
            type: 'server_error',
            param: null,
            code: 'invalid_config',
          },
        });
      }
      expect(worker.logs()).toContain(
        'invalid configuration: self_deployed_test.yaml: model_list[0].litellm_params.api_key: environment variable UPSTREAM_KEY is not set',
      );
    });

    it('never quotes a malformed ROUTER_BACKENDS, which may hold a literal key, in answers or logs', async () => {
      const literal = 'sk-live-CANARY-in-a-broken-binding';
      const worker = await start({
        backends,
        bindings: { ALLOW_NO_AUTH: 'true', ROUTER_BACKENDS: `{"self_deployed_x.yaml": "api_key: ${literal}` },
      });
      const response = await fetch(`${worker.url}/v1/models`);
      expect(response.status).toBe(503);
      expect(await response.text()).not.toContain('CANARY');
      expect(worker.logs()).toContain('ROUTER_BACKENDS is not valid JSON');
      expect(worker.logs()).not.toContain('CANARY');
    });
  });
});

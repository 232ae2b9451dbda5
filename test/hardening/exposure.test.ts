import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { warnIfExposed } from '../../adapters/node/exposure-warning.ts';
import { parseMainConfig } from '../../src/config/parse-main-config.ts';
import type { SimServer } from '../../tools/sim/index.ts';
import { capturingLogger } from '../reliability/support.ts';
import { REPO_ROOT } from '../support/cli.ts';
import { errorCodeOf, rawRequest } from '../support/raw-http.ts';
import { closeAll, startSims, startTestRouter, type TestRouter } from '../support/router-fixture.ts';

const BODY = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 });

/** A request with exact headers (fetch sets its own Origin, Host and Sec-Fetch-* rules). */
async function raw(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; code: string | undefined }> {
  const answer = await rawRequest(base, {
    method,
    path,
    headers,
    ...(method === 'POST' ? { body: BODY } : {}),
  });
  return { status: answer.status, code: errorCodeOf(answer.text) };
}

const post = (base: string, headers: Record<string, string>) =>
  raw(base, 'POST', '/v1/chat/completions', {
    'content-length': String(Buffer.byteLength(BODY)),
    ...headers,
  });

const json = { 'content-type': 'application/json' };

/** Item 2: defaults must not open a proxy, and browsers on other sites must not drive one. */
describe('exposure', () => {
  it('the shipped config binds loopback', () => {
    const config = parseMainConfig(readFileSync(`${REPO_ROOT}config.yaml`, 'utf8'), 'config.yaml');
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.server.api_keys).toEqual([]);
  });

  it('a non-loopback listener without inbound keys is an OPEN PROXY warning; loopback or keys are not', () => {
    const base = parseMainConfig('{}', 'config.yaml');
    const warned = (server: Partial<typeof base.server>) => {
      const log = capturingLogger();
      warnIfExposed({ ...base, server: { ...base.server, ...server } }, log);
      return log.lines.filter((line) => line.level === 'warn' && line.message.startsWith('OPEN PROXY'));
    };
    expect(warned({ host: '0.0.0.0' })).toHaveLength(1);
    expect(warned({ host: '::' })).toHaveLength(1);
    expect(warned({ host: '10.0.0.5' })).toHaveLength(1);
    expect(warned({ host: '0.0.0.0', api_keys: ['k'] })).toHaveLength(0);
    expect(warned({ host: '127.0.0.1' })).toHaveLength(0);
    expect(warned({ host: 'localhost' })).toHaveLength(0);
    expect(warned({ host: '::1' })).toHaveLength(0);
  });

  describe('browsers against a router without inbound keys', () => {
    let sim: SimServer;
    let open: TestRouter;
    let keyed: TestRouter;
    let rebound: string;

    beforeAll(async () => {
      [sim] = (await startSims([{ models: ['m'], ttftMs: 1, tokensPerSecond: 1000 }])) as [SimServer];
      open = await startTestRouter({
        main: { server: { allowed_hosts: ['router.internal', '*.corp.example'] } },
        backends: [{ model_name: 'm', api_base: sim }],
      });
      keyed = await startTestRouter({
        main: { server: { api_keys: ['inbound-key'] } },
        backends: [{ model_name: 'm', api_base: sim }],
      });
      rebound = `evil.example:${new URL(open.url).port}`;
    });
    afterAll(async () => {
      await Promise.all([open?.close(), keyed?.close()]);
      await closeAll([sim]);
    });

    it('refuses cross-site POSTs (Sec-Fetch-Site, or an Origin that is not the Host)', async () => {
      expect(await post(open.url, { ...json, 'sec-fetch-site': 'cross-site' })).toEqual({
        status: 403,
        code: 'cross_site_request',
      });
      expect((await post(open.url, { ...json, 'sec-fetch-site': 'same-site' })).status).toBe(403);
      expect((await post(open.url, { ...json, origin: 'https://attacker.example' })).status).toBe(403);
      expect((await post(open.url, { ...json, origin: 'null' })).status).toBe(403);
    });

    it('accepts the same page on its own origin', async () => {
      const own = { ...json, origin: open.url, 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' };
      expect((await post(open.url, own)).status).toBe(200);
    });

    it('wants a JSON Content-Type on POST (none at all is fine, as the engines accept)', async () => {
      expect(await post(open.url, { 'content-type': 'text/plain' })).toEqual({
        status: 415,
        code: 'unsupported_media_type',
      });
      expect((await post(open.url, { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(
        415,
      );
      expect((await post(open.url, { 'content-type': 'multipart/form-data; boundary=x' })).status).toBe(415);
      expect((await post(open.url, { 'content-type': 'application/json; charset=utf-8' })).status).toBe(200);
      expect((await post(open.url, { 'content-type': 'application/vnd.api+json' })).status).toBe(200);
      expect((await post(open.url, {})).status).toBe(200);
    });

    it('refuses DNS rebinding: a browser naming an unexpected Host, on the API and the dashboard data', async () => {
      const page = { host: rebound, origin: `http://${rebound}`, 'sec-fetch-site': 'same-origin' };
      expect(await post(open.url, { ...json, ...page })).toEqual({ status: 403, code: 'host_not_allowed' });
      expect(await raw(open.url, 'GET', '/api/dashboard', page)).toEqual({
        status: 403,
        code: 'host_not_allowed',
      });
      expect((await raw(open.url, 'GET', '/v1/models', page)).status).toBe(403);
      expect(
        (await raw(open.url, 'GET', '/metrics', { host: rebound, 'sec-fetch-mode': 'cors' })).status,
      ).toBe(403);
    });

    it('lets browsers use IP addresses, localhost and server.allowed_hosts', async () => {
      const port = new URL(open.url).port;
      for (const host of [
        `127.0.0.1:${port}`,
        `localhost:${port}`,
        `router.internal:${port}`,
        `gpu1.corp.example:${port}`,
      ]) {
        const page = { host, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' };
        expect((await post(open.url, { ...json, ...page })).status, host).toBe(200);
        expect((await raw(open.url, 'GET', '/api/dashboard', page)).status, host).toBe(200);
      }
    });

    it('leaves non-browser clients alone, whatever name they use (SDKs, curl, scrapers)', async () => {
      expect((await post(open.url, { ...json, host: 'llm-router.svc.cluster.local' })).status).toBe(200);
      expect(
        (await raw(open.url, 'GET', '/api/dashboard', { host: 'llm-router.svc.cluster.local' })).status,
      ).toBe(200);
    });

    it('skips the Host check where a key guards the route (the key is the protection)', async () => {
      const page = { host: rebound, origin: `http://${rebound}`, 'sec-fetch-site': 'same-origin' };
      expect((await post(keyed.url, { ...json, ...page })).status).toBe(401);
      expect((await post(keyed.url, { ...json, ...page, authorization: 'Bearer inbound-key' })).status).toBe(
        200,
      );
    });

    it('the openai SDK and the quick start curl still work', async () => {
      const completion = await open.client().chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 1,
      });
      expect(completion.choices.length).toBe(1);
      const { stdout } = await promisify(execFile)('curl', [
        '-sN',
        `${open.url}/v1/chat/completions`,
        '-H',
        'Content-Type: application/json',
        '-d',
        '{"model":"m","stream":true,"messages":[{"role":"user","content":"hello"}]}',
      ]);
      expect(stdout).toContain('data: [DONE]');
    });
  });
});

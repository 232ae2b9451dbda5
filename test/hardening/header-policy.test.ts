import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADER_POLICY } from '../../src/core/forward-headers.ts';
import { REPO_ROOT } from '../support/cli.ts';
import { rawRequest } from '../support/raw-http.ts';
import { startTestRouter, type TestRouter } from '../support/router-fixture.ts';
import { type StubUpstream, startStubUpstream } from '../support/stub-upstream.ts';

const BODY = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 });
const MASKED = 'sk-proj-****************************abcd';

/** POST with exact headers (fetch would refuse or rewrite Connection and Cookie). */
function rawPost(base: string, model: string, headers: Record<string, string>) {
  const body = BODY.replace('"m"', JSON.stringify(model));
  return rawRequest(base, {
    method: 'POST',
    path: '/v1/chat/completions',
    headers: {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      ...headers,
    },
    body,
  });
}

/** Item 7: one header policy, both directions, as docs/operations.md states it. */
describe('header policy between clients, the router and the hosted account', () => {
  let leaky: StubUpstream;
  let rejecting: StubUpstream;
  let router: TestRouter;

  beforeAll(async () => {
    leaky = await startStubUpstream(
      (_req, res) => {
        res.writeHead(200, {
          'content-type': 'application/json',
          'set-cookie': '__cf_bm=session; Domain=api.example.com',
          'openai-organization': 'org-operator',
          'openai-project': 'proj_operator',
          'openai-processing-ms': '12',
          'x-ratelimit-limit-requests': '10000',
          'alt-svc': 'h3=":443"',
          'strict-transport-security': 'max-age=31536000',
          connection: 'x-upstream-hop',
          'x-upstream-hop': 'only for the router',
        });
        res.end('{"choices":[]}');
      },
      { models: ['m', 'auth'] },
    );
    rejecting = await startStubUpstream(
      (_req, res) => {
        res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
        res.end(
          JSON.stringify({
            error: { message: `Incorrect API key provided: ${MASKED}.`, code: 'invalid_api_key' },
          }),
        );
      },
      { models: ['auth'] },
    );
    router = await startTestRouter({
      backends: [
        { model_name: 'm', api_base: leaky.url },
        { model_name: 'rejected', api_base: rejecting.url },
        { model_name: 'auth', api_base: rejecting.url },
        { model_name: 'auth', api_base: leaky.url },
      ],
    });
  });
  afterAll(async () => {
    await router?.close();
    await Promise.all([leaky?.close(), rejecting?.close()]);
  });

  it('client -> upstream: an allowlist; nothing chooses billing, carries cookies or rides a hop-only name', async () => {
    const answer = await rawPost(router.url, 'm', {
      authorization: 'Bearer client-key',
      'openai-organization': 'org-client-choice',
      'openai-project': 'proj_client_choice',
      'openai-beta': 'assistants=v2',
      cookie: 'session=client',
      'x-api-key': 'client-key',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      'user-agent': 'hop-only-agent',
      connection: 'keep-alive, user-agent',
    });
    expect(answer.status).toBe(200);
    const seen = leaky.requests.at(-1)?.headers ?? {};
    expect(seen['openai-beta']).toBe('assistants=v2');
    expect(seen.traceparent).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    for (const name of ['openai-organization', 'openai-project', 'cookie', 'x-api-key', 'user-agent'])
      expect(seen[name], name).toBeUndefined();
    expect(seen.authorization).toBe('Bearer dummy');
  });

  it('upstream -> client: the hosted account and the upstream origin stay behind the router', async () => {
    const answer = await rawPost(router.url, 'm', {});
    expect(answer.status).toBe(200);
    for (const name of [
      'set-cookie',
      'openai-organization',
      'openai-project',
      'alt-svc',
      'strict-transport-security',
      'x-upstream-hop',
    ])
      expect(answer.headers[name], name).toBeUndefined();
    expect(answer.headers['openai-processing-ms']).toBe('12');
    expect(answer.headers['x-ratelimit-limit-requests']).toBe('10000');
    expect(answer.headers['x-llm-router-backend']).toBe(`m@${leaky.url}`);
  });

  it("an upstream 401 about the router's key is not relayed: retried elsewhere, else a 502 naming no key", async () => {
    const served = await rawPost(router.url, 'auth', {});
    expect(served.status).toBe(200);
    expect(served.headers['x-llm-router-backend']).toBe(`auth@${leaky.url}`);

    const refused = await rawPost(router.url, 'rejected', {});
    expect(refused.status).toBe(502);
    expect(refused.headers['www-authenticate']).toBeUndefined();
    expect(refused.text).not.toContain('abcd');
    expect(JSON.parse(refused.text).error).toMatchObject({
      code: 'all_retries_exhausted',
      message: expect.stringContaining('upstream status 401: backend credentials rejected'),
    });
  });

  it('docs/operations.md names every header of the policy', () => {
    const docs = readFileSync(`${REPO_ROOT}docs/operations.md`, 'utf8');
    const section = docs.slice(docs.indexOf('## Header policy'));
    const table = section.slice(0, section.indexOf('\n## ', 3));
    const { request, response } = HEADER_POLICY;
    const names = new Set<string>([
      ...request.pass,
      ...request.set,
      ...request.drop,
      ...response.set,
      ...response.drop,
    ]);
    const documented = new Set(
      [...table.matchAll(/`([A-Za-z0-9-]+)`/g)].map((m) => (m[1] ?? '').toLowerCase()),
    );
    expect([...names].filter((name) => !documented.has(name))).toEqual([]);
  });
});

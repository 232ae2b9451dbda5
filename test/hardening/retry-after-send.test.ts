import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRouter, type TestRouter, waitFor } from '../support/router-fixture.ts';
import { type StubUpstream, startStubUpstream } from '../support/stub-upstream.ts';

const CHAT = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 });

/** Reads the whole request, then drops the connection without answering: did the work, or did it? */
const dropAfterRead = (_req: IncomingMessage, res: ServerResponse) => res.socket?.destroy();

const ok = (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"choices":[]}');
};

async function post(router: TestRouter, model: string, path = 'chat/completions', body = CHAT) {
  const response = await fetch(`${router.url}/v1/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body.replace('"m"', JSON.stringify(model)),
  });
  return { status: response.status, text: await response.text() };
}

const fast = { base_delay_ms: 1, max_delay_ms: 2, jitter_factor: 0 };

/**
 * Item 11: a request whose connection broke after it was sent whole was sent again (to another backend,
 * and at once to the same one even on a fresh socket): on a hosted API that can bill twice.
 */
describe('retry.after_send', () => {
  let droppers: StubUpstream[];
  let routers: Record<'never' | 'always' | 'idempotent-safe', TestRouter>;

  beforeAll(async () => {
    droppers = await Promise.all([startStubUpstream(dropAfterRead), startStubUpstream(dropAfterRead)]);
    const start = (mode: string) =>
      startTestRouter({
        main: { retry: { ...fast, after_send: mode }, routing: { num_retries: 3 } },
        backends: droppers.map((d) => ({ model_name: 'm', api_base: d.url })),
      });
    const [never, always, safe] = await Promise.all([
      start('never'),
      start('always'),
      start('idempotent-safe'),
    ]);
    routers = { never: never!, always: always!, 'idempotent-safe': safe! };
  });
  afterAll(async () => {
    await Promise.all(Object.values(routers ?? {}).map((router) => router.close()));
    await Promise.all((droppers ?? []).map((d) => d.close()));
  });

  const hits = () => droppers.reduce((sum, d) => sum + d.requests.length, 0);

  it('never: sent once, on a fresh socket not even resent to the same backend; 502 says why', async () => {
    const before = hits();
    const answer = await post(routers.never, 'm');
    expect(answer.status).toBe(502);
    expect(answer.text).toContain(
      'not sent again: the backend may have processed it (retry.after_send: never)',
    );
    expect(hits() - before).toBe(1);
  });

  it('always: sent to the next backend', async () => {
    const before = hits();
    expect((await post(routers.always, 'm')).status).toBe(502);
    expect(hits() - before).toBe(4);
  });

  it('idempotent-safe (the default): inference is sent again, object-creating paths are not', async () => {
    let before = hits();
    expect((await post(routers['idempotent-safe'], 'm')).status).toBe(502);
    expect(hits() - before).toBe(4);
    before = hits();
    expect(
      (await post(routers['idempotent-safe'], 'm', 'responses', '{"model":"m","input":"hi"}')).status,
    ).toBe(502);
    expect(hits() - before).toBe(1);
  });
});

describe('the immediate resend on a pooled keep-alive socket the upstream closed', () => {
  let stale: StubUpstream;
  let router: TestRouter;
  const served = new WeakMap<Socket, number>();

  beforeAll(async () => {
    // The first request on a connection is answered (keep-alive); the next one on it finds the socket
    // closed before it was read, as when an upstream's idle timeout races the router's reuse.
    stale = await startStubUpstream(
      (req, res) => {
        const socket = req.socket;
        const count = (served.get(socket) ?? 0) + 1;
        served.set(socket, count);
        if (count > 1) socket.destroy();
        else ok(req, res);
      },
      { readBody: false },
    );
    router = await startTestRouter({
      main: { retry: { ...fast, after_send: 'never' }, routing: { num_retries: 0 } },
      backends: [{ model_name: 'm', api_base: stale.url }],
    });
  });
  afterAll(async () => {
    await router?.close();
    await stale?.close();
  });

  it('is sent once more on a fresh socket, whatever retry.after_send says', async () => {
    expect((await post(router, 'm')).status).toBe(200);
    expect((await post(router, 'm')).status).toBe(200);
    expect(stale.requests.length).toBe(3);
  });
});

describe('a request that fails everywhere does not eject its backends', () => {
  let poisonable: StubUpstream[];
  let broken: StubUpstream;
  let fine: StubUpstream;
  let router: TestRouter;

  beforeAll(async () => {
    const answer = (_req: IncomingMessage, res: ServerResponse, body: Buffer) => {
      if (body.includes('poison')) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"tokenizer crashed"}}');
      } else ok(_req, res);
    };
    poisonable = await Promise.all([0, 1, 2].map(() => startStubUpstream(answer, { models: ['p'] })));
    broken = await startStubUpstream((_req, res) => {
      res.writeHead(500);
      res.end();
    });
    fine = await startStubUpstream(ok);
    router = await startTestRouter({
      main: { retry: { ...fast, failure_threshold: 2 }, routing: { num_retries: 3 } },
      backends: [
        ...poisonable.map((p) => ({ model_name: 'p', api_base: p.url })),
        { model_name: 'm', api_base: broken.url, weight: 1000 },
        { model_name: 'm', api_base: fine.url, weight: 1 },
      ],
    });
  });
  afterAll(async () => {
    await router?.close();
    await Promise.all([...(poisonable ?? []), broken, fine].map((s) => s?.close()));
  });

  const backends = async () => {
    const response = await fetch(`${router.url}/api/dashboard`);
    return ((await response.json()) as { backends: { id: string; healthy: boolean; ejected: boolean }[] })
      .backends;
  };

  it('5 poison requests, each failing on every backend with the same 500: nobody is ejected', async () => {
    const poison = CHAT.replace('hi', 'poison');
    for (let i = 0; i < 5; i++)
      expect((await post(router, 'p', 'chat/completions', poison)).status).toBe(502);
    const ps = (await backends()).filter((b) => b.id.startsWith('p@'));
    expect(ps).toHaveLength(3);
    for (const backend of ps) expect(backend).toMatchObject({ healthy: true, ejected: false });
    expect((await post(router, 'p')).status).toBe(200);
  });

  it('a backend that fails requests other backends answer is still ejected', async () => {
    for (let i = 0; i < 4; i++) expect((await post(router, 'm')).status).toBe(200);
    expect(
      await waitFor(
        async () => (await backends()).find((b) => b.id === `m@${broken.url}`)?.ejected === true,
        2000,
      ),
    ).toBe(true);
  });
});

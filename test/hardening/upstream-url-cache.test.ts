import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUndiciTransport } from '../../adapters/node/undici-transport.ts';
import { type StubUpstream, startStubUpstream } from '../support/stub-upstream.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Item 6: the Node transport cached parsed URLs keyed by the whole URL, client query included, up to
 * 10,000 entries: unique long query strings held memory (about 2 x the URL per request) until the clear.
 */
describe('the undici transport under unique client query strings', () => {
  let upstream: StubUpstream;
  const transport = createUndiciTransport({
    connectTimeoutMs: 2000,
    headersTimeoutMs: 5000,
    idleTimeoutMs: 5000,
    requestTimeoutMs: 10_000,
    maxConnsPerHost: 0,
    keepAliveTimeoutMs: 4000,
  });

  beforeAll(async () => {
    upstream = await startStubUpstream((_req, res) => res.end('{}'));
  });
  afterAll(async () => {
    await transport.destroy();
    await upstream?.close();
  });

  const send = async (query: string) => {
    const response = await transport.send({
      url: `${upstream.url}/chat/completions${query}`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: [new TextEncoder().encode('{}')],
      signal: new AbortController().signal,
    });
    for await (const _ of response.body);
  };

  it('retains nothing per distinct query', async () => {
    const pad = 'q'.repeat(8 * 1024);
    await send(`?warm=${pad}`);
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 2000; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, j) => send(`?n=${i + j}&pad=${pad}`)));
    }
    upstream.requests.length = 0;
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    // 2,000 x 8 KB queries: the old cache held ~32 MB here.
    expect(grown).toBeLessThan(6 * 1024 * 1024);
  });

  it('sends the client query as it came, encoding only what undici would refuse', async () => {
    await send('?api-version=2024-06-01&x=a%20b&q="quoted"');
    expect(upstream.requests.at(-1)?.path).toBe(
      '/v1/chat/completions?api-version=2024-06-01&x=a%20b&q="quoted"',
    );
    await send('?x=caf\u00e9');
    expect(upstream.requests.at(-1)?.path).toBe('/v1/chat/completions?x=caf%E9');
  });
});

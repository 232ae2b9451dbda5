import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../tools/sim/index.ts';
import { closeAll, startSims, startTestRouter, type TestRouter } from '../support/router-fixture.ts';

interface RawExchange {
  readonly text: string;
  /** Milliseconds from connect to the server closing the socket. */
  readonly closedAfterMs: number;
}

/** Writes `chunks` on a plain TCP socket and collects everything until the server closes it. */
function rawExchange(url: string, chunks: readonly string[]): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      for (const chunk of chunks) socket.write(chunk);
    });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ text, closedAfterMs: Date.now() - started }));
  });
}

function parseRaw(text: string): { status: number; headers: Record<string, string>; body: string } {
  const split = text.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(split + 4) };
}

function expectEnvelope(text: string, status: number, code: string): void {
  const response = parseRaw(text);
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toBe('application/json');
  expect(response.headers.connection).toBe('close');
  expect(Number(response.headers['content-length'])).toBe(Buffer.byteLength(response.body));
  const body = JSON.parse(response.body) as { error: { type: string; code: string; param: null } };
  expect(body.error).toMatchObject({ type: 'invalid_request_error', code, param: null });
}

describe("node:http's own client errors as JSON envelopes", () => {
  let sim: SimServer;
  let router: TestRouter;

  beforeAll(async () => {
    [sim] = (await startSims([{ models: ['m'], ttftMs: 1, tokensPerSecond: 1000 }])) as [SimServer];
    router = await startTestRouter({
      main: { server: { request_read_timeout: 1 } },
      backends: [{ model_name: 'm', api_base: sim }],
    });
  });

  afterAll(async () => {
    await router?.close();
    await closeAll([sim]);
  });

  it('answers a malformed request with a 400 envelope and closes', async () => {
    const { text } = await rawExchange(router.url, ['GARBAGE\r\n\r\n']);
    expectEnvelope(text, 400, 'malformed_request');
  });

  it('answers headers that never finish with a 408 envelope at request_read_timeout', async () => {
    const { text, closedAfterMs } = await rawExchange(router.url, [
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n',
    ]);
    expectEnvelope(text, 408, 'request_timeout');
    expect(closedAfterMs).toBeGreaterThanOrEqual(900);
    expect(closedAfterMs).toBeLessThan(5000);
  });

  it('answers oversized headers with a 431 envelope', async () => {
    const { text } = await rawExchange(router.url, [
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    ]);
    expectEnvelope(text, 431, 'headers_too_large');
  });

  it('keeps serving well-formed requests', async () => {
    const res = await fetch(`${router.url}/health`);
    expect(res.status).toBe(200);
  });
});

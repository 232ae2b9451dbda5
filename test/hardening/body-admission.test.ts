import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../tools/sim/index.ts';
import { closeAll, startSims, startTestRouter, type TestRouter, waitFor } from '../support/router-fixture.ts';

const BODY = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 });

/**
 * Item 1 (second half): `server.max_inflight` was checked only after the whole body was read, so any
 * number of uploads could be in progress at once. Bodies being read now hold a slot.
 */
describe('uploads in progress count against server.max_inflight', () => {
  let sim: SimServer;
  let router: TestRouter;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    [sim] = (await startSims([{ models: ['m'], ttftMs: 1, tokensPerSecond: 1000 }])) as [SimServer];
    router = await startTestRouter({
      main: { server: { max_inflight: 2 } },
      backends: [{ model_name: 'm', api_base: sim }],
    });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await router?.close();
    await closeAll([sim]);
  });

  /** Sends the headers and the first half of the body, then waits. */
  const startUpload = async (): Promise<{ socket: Socket; finish(): Promise<string> }> => {
    const { port } = new URL(router.url);
    const socket = connect(Number(port), '127.0.0.1');
    sockets.push(socket);
    await new Promise((resolve) => socket.once('connect', resolve));
    let answer = '';
    socket.setEncoding('utf8').on('data', (text: string) => {
      answer += text;
    });
    const half = Math.floor(BODY.length / 2);
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${BODY.length}\r\nConnection: close\r\n\r\n${BODY.slice(0, half)}`,
    );
    return {
      socket,
      async finish() {
        socket.write(BODY.slice(half));
        await new Promise((resolve) => socket.once('close', resolve));
        return answer;
      },
    };
  };

  const post = () =>
    fetch(`${router.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: BODY,
    });

  it('a third request is refused at once while two bodies are still arriving, and they then complete', async () => {
    const first = await startUpload();
    const second = await startUpload();
    expect(await waitFor(() => router.running.router.inflight === 2, 2000)).toBe(true);

    const refused = await post();
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('router_overloaded');

    expect(await first.finish()).toMatch(/^HTTP\/1\.1 200 /);
    expect(await second.finish()).toMatch(/^HTTP\/1\.1 200 /);
    expect(await waitFor(() => router.running.router.inflight === 0, 2000)).toBe(true);
    const admitted = await post();
    expect(admitted.status).toBe(200);
    await admitted.arrayBuffer();
  });

  it('a client that leaves mid-upload gives its slot back', async () => {
    const upload = await startUpload();
    expect(await waitFor(() => router.running.router.inflight === 1, 2000)).toBe(true);
    upload.socket.destroy();
    expect(await waitFor(() => router.running.router.inflight === 0, 2000)).toBe(true);
  });
});

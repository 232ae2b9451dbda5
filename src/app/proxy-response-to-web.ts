import type { ProxyResponse } from '../core/proxy-exchange.ts';

/** Pull-based, so nothing is read from upstream before the client asks (no hidden buffering). */
export function proxyResponseToWeb(response: ProxyResponse): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  const { body } = response;
  if (body instanceof Uint8Array) {
    return new Response(body as Uint8Array<ArrayBuffer>, { status: response.status, headers });
  }
  const iterator = body[Symbol.asyncIterator]();
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const step = await iterator.next();
        if (step.done) controller.close();
        else controller.enqueue(step.value);
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(stream, { status: response.status, headers });
}

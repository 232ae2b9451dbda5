import type { RequestScope } from './request-scope.ts';

/**
 * Streams the app's response through a wrapper whose reads run inside the request's scope, and tells
 * the scope when the body is finished. workerd does not cancel a response body when the client
 * disconnects (it only aborts `request.signal`), so the abort cancels it here: that runs the core's
 * `return()` chain, which cancels the upstream fetch and releases the attempt.
 */
export function trackResponse(response: Response, signal: AbortSignal, scope: RequestScope): Response {
  const source = response.body;
  if (source === null) {
    scope.responseDone();
    return response;
  }
  const reader = source.getReader();
  let open = true;
  const done = () => {
    if (!open) return;
    open = false;
    signal.removeEventListener('abort', onAbort);
    scope.responseDone();
  };
  const onAbort = () => scope.run(() => reader.cancel(signal.reason).then(done, done));
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  const body = new ReadableStream<Uint8Array>(
    {
      pull: (controller) =>
        scope.run(async () => {
          try {
            const step = await reader.read();
            if (step.done) {
              controller.close();
              done();
            } else controller.enqueue(step.value);
          } catch (error) {
            controller.error(error);
            done();
          }
        }),
      cancel: (reason) => scope.run(() => reader.cancel(reason).then(done, done)),
    },
    // Pull only when the client side asks: no read-ahead, so SSE events leave as they arrive.
    { highWaterMark: 0 },
  );
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

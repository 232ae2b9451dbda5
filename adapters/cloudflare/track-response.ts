import type { RequestScope } from './request-scope.ts';

/**
 * How long a response may wait for the client to take its next chunk before it counts as abandoned.
 * workerd aborts `request.signal` when a client disconnects, but not every time: when it notices the
 * disconnect as a failed write, it just stops reading the body (seen under Miniflare about one abort in
 * four). Nothing else tells the Worker, and the scope's waitUntil keeps the invocation, and with it the
 * upstream generation, alive. A client that accepts nothing for this long is gone or stuck either way.
 */
export const DEFAULT_STALL_MS = 5_000;

/**
 * Streams the app's response through a wrapper whose reads run inside the request's scope, and tells
 * the scope when the body is finished. workerd does not cancel a response body when the client
 * disconnects, so an aborted `request.signal`, or `stallMs` without a pull after a chunk was handed
 * over, cancels it here: that runs the core's `return()` chain, which cancels the upstream fetch and
 * releases the attempt.
 */
export function trackResponse(
  response: Response,
  signal: AbortSignal,
  scope: RequestScope,
  stallMs = DEFAULT_STALL_MS,
): Response {
  const source = response.body;
  if (source === null) {
    scope.responseDone();
    return response;
  }
  const reader = source.getReader();
  let open = true;
  let stall: ReturnType<typeof setTimeout> | undefined;
  const done = () => {
    if (!open) return;
    open = false;
    if (stall !== undefined) clearTimeout(stall);
    signal.removeEventListener('abort', abandon);
    scope.responseDone();
  };
  const abandon = () => {
    if (open) scope.run(() => reader.cancel(signal.reason ?? 'client stopped reading').then(done, done));
  };
  if (signal.aborted) abandon();
  else signal.addEventListener('abort', abandon, { once: true });
  const body = new ReadableStream<Uint8Array>(
    {
      pull: (controller) =>
        scope.run(async () => {
          // The client took the last chunk; waiting on the upstream is the idle timeout's business.
          if (stall !== undefined) clearTimeout(stall);
          try {
            const step = await reader.read();
            if (step.done) {
              controller.close();
              done();
            } else {
              controller.enqueue(step.value);
              if (open) stall = setTimeout(abandon, stallMs);
            }
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

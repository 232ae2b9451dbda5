import type { AbortSignalLike, UpstreamResponse } from './transport.ts';

export type RelayEnd =
  | { readonly kind: 'complete' }
  | { readonly kind: 'broken'; readonly message: string }
  | { readonly kind: 'client-gone' };

export interface RelayHooks {
  readonly eventStream: boolean;
  readonly signal: AbortSignalLike;
  onFirstByte(): void;
  /** Called exactly once, however the relay ends. */
  onEnd(end: RelayEnd): void;
}

const encoder = new TextEncoder();

/**
 * Streams the upstream body to the client chunk by chunk (no buffering, so SSE events flush as they
 * arrive). A hand-written iterator rather than an async generator: a generator that was never started
 * skips its `finally` on `return()`, which would leak the upstream connection and the in-flight count
 * when a client leaves before the first chunk.
 */
export function relayBody(upstream: UpstreamResponse, hooks: RelayHooks): AsyncIterable<Uint8Array> {
  const source = upstream.body[Symbol.asyncIterator]();
  let done = false;
  let started = false;
  let lastChunk: Uint8Array | undefined;

  const finish = (end: RelayEnd): void => {
    if (done) return;
    done = true;
    hooks.onEnd(end);
  };

  const iterator: AsyncIterator<Uint8Array> = {
    async next() {
      if (done) return { done: true, value: undefined };
      try {
        const step = await source.next();
        if (step.done) {
          finish({ kind: 'complete' });
          return { done: true, value: undefined };
        }
        if (!started) {
          started = true;
          hooks.onFirstByte();
        }
        lastChunk = step.value;
        return { done: false, value: step.value };
      } catch (error) {
        if (hooks.signal.aborted) {
          finish({ kind: 'client-gone' });
          throw error;
        }
        const message = error instanceof Error ? error.message : String(error);
        finish({ kind: 'broken', message });
        upstream.cancel();
        // Bytes already went out, so no retry is possible: end an event stream with an error event
        // (the openai SDK raises it); other bodies are cut, which the client sees as a truncated response.
        if (hooks.eventStream) return { done: false, value: sseErrorEvent(message, lastChunk) };
        throw error;
      }
    },
    async return() {
      if (!done) {
        upstream.cancel();
        finish({ kind: 'client-gone' });
      }
      return { done: true, value: undefined };
    },
  };
  return { [Symbol.asyncIterator]: () => iterator };
}

function sseErrorEvent(message: string, lastChunk: Uint8Array | undefined): Uint8Array {
  const error = {
    error: {
      message: `upstream stream broken: ${message}`,
      type: 'server_error',
      param: null,
      code: 'upstream_stream_error',
    },
  };
  // Terminate a half-sent event first so the error event parses on its own.
  const endsEvent =
    lastChunk === undefined ||
    (lastChunk.length >= 2 &&
      lastChunk[lastChunk.length - 1] === 10 &&
      lastChunk[lastChunk.length - 2] === 10);
  return encoder.encode(`${endsEvent ? '' : '\n\n'}data: ${JSON.stringify(error)}\n\n`);
}

import {
  type AbortSignalLike,
  type HeaderRecord,
  type Transport,
  TransportError,
  type UpstreamFailure,
  type UpstreamRequest,
} from '../../src/index.ts';

export interface FetchTransportOptions {
  /** Connect and response headers together: Workers' fetch has no separate connect phase. */
  readonly headersTimeoutMs: number;
  /** Longest silence between two body chunks. */
  readonly idleTimeoutMs: number;
  /** Whole exchange, headers to last byte. */
  readonly requestTimeoutMs: number;
}

type Phase = 'headers' | 'body';

/**
 * The Worker's upstream transport on the global fetch. workerd reports a refused connection and a reset
 * one alike ("Network connection lost."), so every pre-header network error is a `reset`: the RPM
 * charge is kept rather than refunded, which can only under-use a limit, never exceed it.
 */
export function createFetchTransport(options: FetchTransportOptions): Transport {
  return {
    async send(request) {
      if (request.signal.aborted) throw new TransportError({ kind: 'client-gone' });
      const exchange = new Exchange(request, options);
      let response: Response;
      try {
        response = await fetch(request.url, {
          method: request.method,
          headers: request.headers,
          body: bodyOf(request.body),
          signal: exchange.signal,
          // Pass 3xx through like the Node transport does; the client decides whether to follow.
          redirect: 'manual',
        });
      } catch (error) {
        exchange.end();
        throw new TransportError(exchange.classify(error));
      }
      exchange.headersArrived();
      return {
        status: response.status,
        headers: headerRecord(response.headers),
        body: exchange.read(response.body),
        cancel: () => exchange.cancel(),
      };
    },
  };
}

/** Timers and cancellation of one upstream exchange. */
class Exchange {
  readonly #controller = new AbortController();
  readonly #client: AbortSignalLike;
  readonly #options: FetchTransportOptions;
  readonly #deadline: ReturnType<typeof setTimeout>;
  #headersTimer: ReturnType<typeof setTimeout> | undefined;
  #timedOut: { phase: Phase; message: string } | null = null;
  #reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  #ended = false;
  readonly #onClientAbort = () => this.#controller.abort(this.#client.reason);

  constructor(request: UpstreamRequest, options: FetchTransportOptions) {
    this.#client = request.signal;
    this.#options = options;
    this.#client.addEventListener('abort', this.#onClientAbort, { once: true });
    this.#deadline = setTimeout(
      () =>
        this.#timeout(
          this.#headersTimer === undefined ? 'body' : 'headers',
          `request_timeout of ${options.requestTimeoutMs} ms exceeded`,
        ),
      options.requestTimeoutMs,
    );
    this.#headersTimer = setTimeout(
      () => this.#timeout('headers', `no response headers within ${options.headersTimeoutMs} ms`),
      options.headersTimeoutMs,
    );
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  headersArrived(): void {
    if (this.#headersTimer !== undefined) clearTimeout(this.#headersTimer);
    this.#headersTimer = undefined;
  }

  classify(error: unknown): UpstreamFailure {
    if (this.#client.aborted) return { kind: 'client-gone' };
    if (this.#timedOut)
      return { kind: 'timeout', phase: this.#timedOut.phase, message: this.#timedOut.message, sent: true };
    // workerd's fetch does not say how far the request got: assume the backend may have it.
    return { kind: 'reset', message: error instanceof Error ? error.message : String(error), sent: true };
  }

  /** The body as chunks; each read races the idle timer. Errors mean the upstream broke mid-body. */
  read(body: ReadableStream<Uint8Array> | null): AsyncIterable<Uint8Array> {
    if (body === null) {
      this.end();
      return { [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: undefined }) }) };
    }
    const reader = body.getReader();
    this.#reader = reader;
    const idleMs = this.#options.idleTimeoutMs;
    const next = async (): Promise<IteratorResult<Uint8Array>> => {
      if (this.#ended) return { done: true, value: undefined };
      let idle: ReturnType<typeof setTimeout> | undefined;
      const silence = new Promise<never>((_, reject) => {
        idle = setTimeout(() => reject(new Error(`no upstream data for ${idleMs} ms`)), idleMs);
      });
      try {
        const step = await Promise.race([reader.read(), silence]);
        if (step.done) this.end();
        return step.done ? { done: true, value: undefined } : { done: false, value: step.value };
      } catch (error) {
        this.cancel();
        if (this.#timedOut) throw new Error(this.#timedOut.message);
        throw error;
      } finally {
        if (idle !== undefined) clearTimeout(idle);
      }
    };
    return { [Symbol.asyncIterator]: () => ({ next }) };
  }

  /** Stop reading and abort the exchange; safe to call more than once. */
  cancel(): void {
    if (this.#ended) return;
    this.end();
    this.#reader?.cancel().catch(() => {});
    this.#controller.abort(new Error('cancelled'));
  }

  end(): void {
    this.#ended = true;
    clearTimeout(this.#deadline);
    this.headersArrived();
    this.#client.removeEventListener('abort', this.#onClientAbort);
  }

  #timeout(phase: Phase, message: string): void {
    this.#timedOut = { phase, message };
    this.#controller.abort(new Error(message));
  }
}

/**
 * One chunk goes as is; several go through a FixedLengthStream so the upstream still gets a
 * Content-Length (a plain stream body would be sent chunked) without copying them into one buffer.
 */
function bodyOf(chunks: readonly Uint8Array[] | null): BodyInit | null {
  if (chunks === null) return null;
  if (chunks.length === 1) return chunks[0] ?? null;
  const total = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  const { readable, writable } = new FixedLengthStream(total);
  const writer = writable.getWriter();
  void (async () => {
    for (const chunk of chunks) await writer.write(chunk);
    await writer.close();
  })().catch(() => {});
  return readable;
}

/** Lower-case names (Headers already are); Set-Cookie kept as separate values. */
function headerRecord(headers: Headers): HeaderRecord {
  const out: HeaderRecord = {};
  headers.forEach((value, name) => {
    if (name !== 'set-cookie') out[name] = value;
  });
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) out['set-cookie'] = cookies;
  return out;
}

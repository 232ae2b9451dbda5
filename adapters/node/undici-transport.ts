import { Agent, type Dispatcher } from 'undici';
import type { Transport, UpstreamFailure, UpstreamRequest } from '../../src/index.ts';
import { ClientGoneError, TransportError } from '../../src/index.ts';
import { type RequestProgress, requestProgress } from './request-progress.ts';
import { UndiciExchange } from './undici-exchange.ts';

export interface UndiciTransportOptions {
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  /** Longest silence between two body chunks. */
  readonly idleTimeoutMs: number;
  /** Whole exchange, headers to last byte. */
  readonly requestTimeoutMs: number;
  /** 0 = unlimited sockets per origin. */
  readonly maxConnsPerHost: number;
  /** Idle pooled sockets close after this; below the upstream's own keep-alive so none go stale. */
  readonly keepAliveTimeoutMs: number;
}

const REQUEST_TIMEOUT = 'LLM_ROUTER_REQUEST_TIMEOUT';

/** Distinct upstream origins remembered; more than any config has, so the clear is only a backstop. */
const MAX_ORIGINS = 1024;

/**
 * The path and query as sent upstream: the client's bytes, except that anything outside printable ASCII
 * (which undici refuses as an invalid path) is percent-encoded, as a URL parser would.
 */
function requestPath(raw: string): string {
  if (!/[^\x21-\x7e]/.test(raw)) return raw;
  return raw.replace(/[^\x21-\x7e]/g, (char) => {
    const code = char.charCodeAt(0);
    return code <= 0xff ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : encodeURIComponent(char);
  });
}

/** Undici's error codes -> the core's failure union. */
function classify(error: unknown, aborted: boolean, progress: RequestProgress): UpstreamFailure {
  if (aborted) return { kind: 'client-gone' };
  const code = (error as { code?: string } | null)?.code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  const { sent } = progress;
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return { kind: 'timeout', phase: 'connect', message, sent: false };
    case 'UND_ERR_HEADERS_TIMEOUT':
      return { kind: 'timeout', phase: 'headers', message, sent };
    case 'UND_ERR_BODY_TIMEOUT':
    case REQUEST_TIMEOUT:
      return { kind: 'timeout', phase: 'body', message, sent };
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { kind: 'connect', message: code };
    default:
      return { kind: 'reset', message: code || message, sent };
  }
}

/** A reset or close before any response: on a reused socket, the upstream closed it while it was idle. */
function isStaleSocket(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE';
}

/**
 * The Node upstream transport on undici's dispatcher API: keep-alive pools per origin, connect/header/
 * idle timeouts, the client's body chunks written as they are. (Global fetch costs several times more
 * CPU per request here, and even undici's `request()` allocates a Readable and an AbortSignal per call;
 * see bench/overhead.)
 */
export function createUndiciTransport(options: UndiciTransportOptions): Transport & {
  /** Wait for every in-flight upstream request, then release the pool. */
  close(): Promise<void>;
  /** Abort every in-flight upstream request (probes and scrapes included) and release the pool. */
  destroy(): Promise<void>;
} {
  const agent = new Agent({
    connections: options.maxConnsPerHost > 0 ? options.maxConnsPerHost : null,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    keepAliveMaxTimeout: options.keepAliveTimeoutMs,
    connect: { timeout: options.connectTimeoutMs },
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.idleTimeoutMs,
  });
  // Keyed by the scheme://host:port prefix only: that part comes from the backend's api_base (config),
  // while the path and query after it come from the client and must not be able to fill a cache.
  const origins = new Map<string, string>();
  const target = (url: string) => {
    const slash = url.indexOf('/', url.indexOf('//') + 2);
    const prefix = slash === -1 ? url : url.slice(0, slash);
    let origin = origins.get(prefix);
    if (origin === undefined) {
      origin = new URL(prefix).origin;
      if (origins.size >= MAX_ORIGINS) origins.clear();
      origins.set(prefix, origin);
    }
    return { origin, path: slash === -1 ? '/' : requestPath(url.slice(slash)) };
  };

  const once = (request: UpstreamRequest): UndiciExchange => {
    const { origin, path } = target(request.url);
    const chunks = request.body;
    const exchange = new UndiciExchange(requestProgress(path));
    const { signal } = request;
    const onAbort = () => exchange.abort(new ClientGoneError('client disconnected'));
    signal.addEventListener('abort', onAbort);
    // Whole-exchange deadline (headers and body); undici's own timeouts cover connect and idle gaps.
    const deadline = setTimeout(() => {
      exchange.abort(
        Object.assign(new Error(`request_timeout of ${options.requestTimeoutMs} ms exceeded`), {
          code: REQUEST_TIMEOUT,
        }),
      );
    }, options.requestTimeoutMs);
    deadline.unref();
    exchange.onSettled(() => {
      clearTimeout(deadline);
      signal.removeEventListener('abort', onAbort);
    });
    agent.dispatch(
      {
        origin,
        path,
        method: request.method,
        headers: request.headers,
        // undici writes any iterable body chunk by chunk (lib/core/request.js) though its types omit it.
        body: (chunks === null
          ? null
          : chunks.length === 1
            ? chunks[0]
            : chunks) as Dispatcher.DispatchOptions['body'],
      },
      exchange,
    );
    if (signal.aborted) onAbort();
    return exchange;
  };

  return {
    async send(request) {
      const first = once(request);
      try {
        return await first.head;
      } catch (error) {
        // Sent once more at once only when the socket was a pooled keep-alive one that broke before any
        // answer: the upstream closed it while idle, just as the request went out, and never read it (the
        // race keep_alive_timeout makes rare). On a fresh socket the same error means the backend may have
        // the request, and whether it is sent again is retry.after_send's decision, in the attempt loop.
        if (isStaleSocket(error) && first.progress.reusedSocket && !request.signal.aborted) {
          const second = once(request);
          try {
            return await second.head;
          } catch (again) {
            throw new TransportError(classify(again, request.signal.aborted, second.progress));
          }
        }
        throw new TransportError(classify(error, request.signal.aborted, first.progress));
      }
    },
    close: () => agent.close(),
    destroy: () => agent.destroy(),
  };
}

import { Agent, type Dispatcher } from 'undici';
import type { Transport, UpstreamFailure, UpstreamRequest, UpstreamResponse } from '../../src/index.ts';
import { TransportError } from '../../src/index.ts';

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

/** Undici's error codes -> the core's failure union. */
function classify(error: unknown, signal: AbortSignal): UpstreamFailure {
  if (signal.aborted) return { kind: 'client-gone' };
  const code = (error as { code?: string } | null)?.code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return { kind: 'timeout', phase: 'connect', message };
    case 'UND_ERR_HEADERS_TIMEOUT':
      return { kind: 'timeout', phase: 'headers', message };
    case 'UND_ERR_BODY_TIMEOUT':
      return { kind: 'timeout', phase: 'body', message };
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { kind: 'connect', message: `${code}` };
    default:
      if (message.includes('timeout')) return { kind: 'timeout', phase: 'headers', message };
      return { kind: 'reset', message: code || message };
  }
}

/** A reset on a pooled socket before any response: the upstream closed an idle keep-alive connection. */
function isStaleSocket(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE';
}

/**
 * The Node upstream transport on undici's dispatcher `request` API: keep-alive pools per origin,
 * connect/header/idle timeouts, body passed as the client's chunks. (Global fetch costs ~7x more CPU
 * per request here; see PERFORMANCE.md.)
 */
export function createUndiciTransport(
  options: UndiciTransportOptions,
): Transport & { close(): Promise<void> } {
  const agent = new Agent({
    connections: options.maxConnsPerHost > 0 ? options.maxConnsPerHost : null,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    keepAliveMaxTimeout: options.keepAliveTimeoutMs,
    connect: { timeout: options.connectTimeoutMs },
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.idleTimeoutMs,
  });
  const targets = new Map<string, { origin: string; path: string }>();
  const target = (url: string) => {
    let parsed = targets.get(url);
    if (!parsed) {
      const u = new URL(url);
      parsed = { origin: u.origin, path: `${u.pathname}${u.search}` };
      if (targets.size > 10_000) targets.clear();
      targets.set(url, parsed);
    }
    return parsed;
  };

  const once = async (request: UpstreamRequest): Promise<UpstreamResponse> => {
    const { origin, path } = target(request.url);
    const chunks = request.body;
    const response = await agent.request({
      origin,
      path,
      method: request.method,
      headers: request.headers,
      // undici writes any iterable body chunk by chunk (lib/core/request.js) though its types omit it.
      body: (chunks === null
        ? null
        : chunks.length === 1
          ? chunks[0]
          : chunks) as Dispatcher.RequestOptions['body'],
      signal: request.signal,
    });
    const { body } = response;
    // Whole-exchange deadline: destroys the body (the relay sees an error) when it runs out.
    const timer = setTimeout(() => {
      body.destroy(new Error(`request_timeout of ${options.requestTimeoutMs} ms exceeded`));
    }, options.requestTimeoutMs);
    timer.unref();
    body.once('close', () => clearTimeout(timer));
    return {
      status: response.statusCode,
      headers: response.headers,
      body,
      cancel: () => {
        if (body.destroyed) return;
        // Destroying emits the abort as an 'error'; nobody reads the body any more, so swallow it.
        body.on('error', () => {});
        body.destroy();
      },
    };
  };

  return {
    async send(request) {
      try {
        return await once(request);
      } catch (error) {
        if (isStaleSocket(error) && !request.signal.aborted) {
          // Retry once on a fresh socket: nothing was answered, so this is the pool's fault, not the backend's.
          try {
            return await once(request);
          } catch (second) {
            throw new TransportError(classify(second, request.signal));
          }
        }
        throw new TransportError(classify(error, request.signal));
      }
    },
    close: () => agent.close(),
  };
}

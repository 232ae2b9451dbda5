import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import {
  ClientGoneError,
  errorEnvelope,
  type LlmRouter,
  type Logger,
  type ProxyResponse,
  proxyPathOf,
  RouterError,
  routerErrors,
  upstreamQueryOf,
} from '../../src/index.ts';
import { answerClientError } from './answer-client-error.ts';
import { ClientSignal } from './client-signal.ts';
import { readRequestBody } from './read-request-body.ts';

export interface NodeServerOptions {
  readonly router: LlmRouter;
  readonly app: Hono;
  readonly log: Logger;
  /** Whole request (headers + body) must arrive within this. */
  readonly requestReadTimeoutMs: number;
}

/**
 * HTTP server for the Node adapter. POST /v1/* takes a fast path straight from node:http into the core
 * (no Web Request/ReadableStream per request: those conversions cost ~30% of throughput here, see
 * bench/overhead); every other route goes through the same Hono app the Worker serves.
 */
export function createNodeServer(options: NodeServerOptions): Server {
  const { router, log } = options;
  const honoListener = getRequestListener(options.app.fetch);
  const server = createServer(
    {
      // Slowloris: headers must complete quickly; the whole request within request_read_timeout.
      headersTimeout: Math.min(options.requestReadTimeoutMs, 30_000),
      requestTimeout: options.requestReadTimeoutMs,
      // Node enforces the two timeouts above only when it sweeps its connections, every 30 s by default:
      // a 2 s request_read_timeout would otherwise hold a slowloris socket for up to 30 s.
      connectionsCheckingInterval: Math.min(
        1000,
        Math.max(100, Math.floor(options.requestReadTimeoutMs / 4)),
      ),
      keepAliveTimeout: 65_000,
      noDelay: true,
    },
    (req, res) => {
      const path = proxyPathOf(req.method ?? '', pathnameOf(req.url ?? '/'));
      if (path === null) {
        void honoListener(req, res);
        return;
      }
      if (typeof path !== 'string') {
        req.resume();
        writeError(res, path);
        return;
      }
      handleProxy(router, log, path, req, res).catch((error: unknown) => {
        log.error('proxy handler failed', { error: error instanceof Error ? error.message : String(error) });
        if (!res.headersSent)
          writeError(res, new RouterError(500, 'server_error', 'internal_error', 'internal router error'));
        else res.destroy();
      });
    },
  );
  server.on('clientError', answerClientError);
  return server;
}

function pathnameOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

async function handleProxy(
  router: LlmRouter,
  log: Logger,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (!router.authorize(req.headers.authorization)) {
    req.resume();
    writeError(res, routerErrors.invalidApiKey());
    return;
  }
  const signal = new ClientSignal();
  // The client leaving at any stage aborts the upstream exchange, so the GPU stops generating.
  res.once('close', () => {
    if (!res.writableFinished) signal.abort(new ClientGoneError('client disconnected'));
  });

  let body: Uint8Array[];
  try {
    body = await readRequestBody(req, router.config.server.max_body_mb * 1024 * 1024);
  } catch (error) {
    if (signal.aborted) return;
    const routerError = error instanceof RouterError ? error : routerErrors.badBody();
    // Close after answering: the rest of an oversized body is not worth reading.
    writeError(res, routerError, routerError.status === 413);
    return;
  }

  let response: ProxyResponse;
  try {
    response = await router.proxy({
      path,
      query: upstreamQueryOf(req.url ?? ''),
      headers: req.headers,
      body,
      signal,
    });
  } catch (error) {
    if (error instanceof ClientGoneError || signal.aborted) {
      res.destroy();
      return;
    }
    if (error instanceof RouterError) {
      writeError(res, error);
      return;
    }
    throw error;
  }
  await writeProxyResponse(res, response, log);
}

async function writeProxyResponse(res: ServerResponse, response: ProxyResponse, log: Logger): Promise<void> {
  res.writeHead(response.status, response.headers);
  const { body } = response;
  if (body instanceof Uint8Array) {
    res.end(body);
    return;
  }
  const iterator = body[Symbol.asyncIterator]();
  try {
    while (true) {
      const step = await iterator.next();
      if (step.done) break;
      if (res.destroyed) {
        await iterator.return?.();
        return;
      }
      // Each chunk is written as it arrives (SSE events must not clump); wait only on backpressure.
      if (!res.write(step.value)) {
        await Promise.race([once(res, 'drain'), once(res, 'close')]);
        if (res.destroyed) {
          await iterator.return?.();
          return;
        }
      }
    }
    res.end();
  } catch (error) {
    log.debug('response body aborted', { error: error instanceof Error ? error.message : String(error) });
    res.destroy();
  }
}

function writeError(res: ServerResponse, error: RouterError, close = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = errorEnvelope(error);
  res.writeHead(error.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...error.headers,
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(text);
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import {
  ClientGoneError,
  type LlmRouter,
  type Logger,
  type ProxyResponse,
  RouterError,
  renderError,
  serveProxy,
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
 * HTTP server for the Node adapter. POST /v1/* takes a fast path straight from node:http into the core's
 * front door (no Web Request/ReadableStream per request: those conversions cost ~30% of throughput here,
 * see bench/overhead); every other route goes through the same Hono app the Worker serves.
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
      handleRequest(router, honoListener, log, req, res).catch((error: unknown) => {
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

/** POST /v1/* through the core's front door; anything it does not proxy goes to the Hono app. */
async function handleRequest(
  router: LlmRouter,
  honoListener: ReturnType<typeof getRequestListener>,
  log: Logger,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  // Only POST can be proxied: everything else goes to Hono without a ClientSignal or close listener.
  if (req.method !== 'POST') {
    await honoListener(req, res);
    return;
  }
  const signal = new ClientSignal();
  const onClose = () => {
    if (!res.writableFinished) signal.abort(new ClientGoneError('client disconnected'));
  };
  const result = await serveProxy(router, {
    method: 'POST',
    target: req.url ?? '/',
    headers: req.headers,
    body: {
      read: (maxBytes) => {
        // The client leaving at any stage from here aborts the upstream exchange, so the GPU stops.
        res.once('close', onClose);
        return readRequestBody(req, maxBytes);
      },
    },
    signal,
  });
  switch (result.kind) {
    case 'not-proxied':
      await honoListener(req, res);
      return;
    case 'client-gone':
      res.destroy();
      return;
    case 'error':
      // Drain what is left of a small request to keep the connection; an oversized one is closed instead.
      if (!result.close) req.resume();
      writeError(res, result.error, result.close);
      return;
    case 'response':
      await writeProxyResponse(res, result.response, log);
      return;
  }
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
        await drainOrClose(res);
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

/**
 * Resolves on 'drain' or 'close', whichever comes first, and removes both listeners: racing two `once()`
 * promises leaves the loser's listener on the response, one more per backpressure round of a long stream.
 */
function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function writeError(res: ServerResponse, error: RouterError, close = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { status, headers, body } = renderError(error);
  res.writeHead(status, {
    ...headers,
    'content-length': Buffer.byteLength(body),
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(body);
}

import { Hono } from 'hono';
import { collectBody } from '../core/collect-body.ts';
import { ClientGoneError } from '../core/dispatch.ts';
import type { Logger } from '../core/logger.ts';
import { RouterError, routerErrors } from '../core/router-error.ts';
import { renderRouterMetrics } from '../metrics/render-router-metrics.ts';
import type { LlmRouter } from '../router/llm-router.ts';
import { errorResponse, jsonResponse } from './json-response.ts';
import { proxyResponseToWeb } from './proxy-response-to-web.ts';
import { proxyPathOf } from './proxy-route.ts';

export interface AppOptions {
  readonly router: LlmRouter;
  readonly log: Logger;
  /** Static dashboard files (public/); each runtime brings its own reader. */
  readonly serveStatic?: (path: string) => Promise<Response | null>;
}

/** Methods each known path accepts, for 405 + Allow. */
const KNOWN_PATHS: ReadonlyArray<[RegExp, string]> = [
  [/^\/health$/, 'GET, HEAD'],
  [/^\/ready$/, 'GET, HEAD'],
  [/^\/metrics$/, 'GET, HEAD'],
  [/^\/v1\/models$/, 'GET, HEAD'],
  [/^\/v1\/.+/, 'POST'],
  [/^\/api\/(dashboard|history)$/, 'GET, HEAD'],
];

/** The route table both runtimes serve. Node additionally short-cuts POST /v1/* (see adapters/node). */
export function createApp(options: AppOptions): Hono {
  const { router, log } = options;
  const app = new Hono();

  app.get('/health', () => jsonResponse({ status: 'ok' }));

  app.get('/ready', async () => {
    const readiness = await router.readiness();
    return jsonResponse(
      { status: readiness.ready ? 'ready' : 'not_ready', reason: readiness.reason },
      readiness.ready ? 200 : 503,
    );
  });

  app.get('/v1/models', (c) => {
    if (!router.authorize(c.req.header('authorization'))) return errorResponse(routerErrors.invalidApiKey());
    return jsonResponse(router.listModels());
  });

  app.get('/metrics', async (c) => {
    if (!router.authorizeDashboard(c.req.header('authorization'))) {
      return errorResponse(routerErrors.invalidApiKey());
    }
    const text = renderRouterMetrics(await router.view(), router.pool.snapshot, router.inflight);
    return new Response(text, { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } });
  });

  app.get('/api/dashboard', async (c) => {
    if (!router.authorizeDashboard(c.req.header('authorization'))) {
      return errorResponse(routerErrors.invalidApiKey());
    }
    return jsonResponse(await router.dashboard(), 200, { 'cache-control': 'no-store' });
  });

  app.get('/api/history', (c) => {
    if (!router.authorizeDashboard(c.req.header('authorization'))) {
      return errorResponse(routerErrors.invalidApiKey());
    }
    return jsonResponse({ samples: router.history() }, 200, { 'cache-control': 'no-store' });
  });

  app.post('/v1/*', async (c) => {
    const raw = c.req.raw;
    const url = new URL(raw.url);
    const path = proxyPathOf('POST', url.pathname);
    if (path === null) return errorResponse(routerErrors.methodNotAllowed('POST', 'GET, HEAD'));
    if (typeof path !== 'string') return errorResponse(path);
    if (!router.authorize(c.req.header('authorization'))) return errorResponse(routerErrors.invalidApiKey());
    const declared = raw.headers.get('content-length');
    const maxBytes = router.config.server.max_body_mb * 1024 * 1024;
    let body: Uint8Array[] = [];
    try {
      if (raw.body)
        body = await collectBody(raw.body, maxBytes, declared === null ? undefined : Number(declared));
    } catch (error) {
      if (error instanceof RouterError) throw error;
      throw routerErrors.badBody();
    }
    const headers: Record<string, string> = {};
    raw.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const response = await router.proxy({ path, query: url.search, headers, body, signal: raw.signal });
    return proxyResponseToWeb(response);
  });

  if (options.serveStatic) {
    const serveStatic = options.serveStatic;
    app.get('/dashboard', (c) => c.redirect('/dashboard/', 301));
    app.get('/', (c) => c.redirect('/dashboard/', 302));
    app.get('/dashboard/*', async (c) => {
      const response = await serveStatic(new URL(c.req.url).pathname.slice('/dashboard'.length));
      return response ?? errorResponse(routerErrors.notFound(c.req.path));
    });
  }

  app.notFound((c) => {
    const path = c.req.path;
    for (const [pattern, allow] of KNOWN_PATHS) {
      if (pattern.test(path)) return errorResponse(routerErrors.methodNotAllowed(c.req.method, allow));
    }
    return errorResponse(routerErrors.notFound(path));
  });

  app.onError((error) => {
    if (error instanceof RouterError) return errorResponse(error);
    if (error instanceof ClientGoneError) return new Response(null, { status: 499 });
    log.error('unhandled error', { error: error instanceof Error ? error.message : String(error) });
    return errorResponse(new RouterError(500, 'server_error', 'internal_error', 'internal router error'));
  });

  return app;
}

import { type Context, Hono } from 'hono';
import { collectBody } from '../core/collect-body.ts';
import { ClientGoneError } from '../core/dispatch.ts';
import type { Logger } from '../core/logger.ts';
import { RouterError, routerErrors } from '../core/router-error.ts';
import type { GuardScope } from '../router/browser-guard.ts';
import { serveProxy } from '../router/front-door.ts';
import type { LlmRouter } from '../router/llm-router.ts';
import type { HistoryPayload, RouterDashboard } from '../router/router-views.ts';
import { errorResponse, jsonResponse } from './json-response.ts';
import { proxyResponseToWeb } from './proxy-response-to-web.ts';

export interface AppOptions {
  readonly router: LlmRouter;
  readonly log: Logger;
  /** Static dashboard files (public/); each runtime brings its own reader. */
  readonly serveStatic?: (path: string) => Promise<Response | null>;
  /**
   * Where `/api/history` comes from when this instance does not sample it itself (Workers: the one
   * scheduler object samples on its alarm). Default: the router's own samples.
   */
  readonly history?: () => Promise<HistoryPayload>;
  /**
   * Where `/api/dashboard` and `/metrics` come from when another process sees the whole router (a
   * cluster worker asks its primary). Default: this router's own.
   */
  readonly dashboard?: () => Promise<RouterDashboard>;
  readonly metricsText?: () => Promise<string>;
}

/** Methods each known path accepts, for 405 + Allow. */
const KNOWN_PATHS: ReadonlyArray<[RegExp, string]> = [
  [/^\/health$/, 'GET, HEAD'],
  [/^\/ready$/, 'GET, HEAD'],
  [/^\/metrics$/, 'GET, HEAD'],
  [/^\/v1\/models(\/.+)?$/, 'GET, HEAD'],
  [/^\/v1\/.+/, 'POST'],
  [/^\/api\/(dashboard|history)$/, 'GET, HEAD'],
];

/** The route table both runtimes serve. Node additionally short-cuts POST /v1/* (see adapters/node). */
export function createApp(options: AppOptions): Hono {
  const { router, log } = options;
  const app = new Hono();
  /** The browser guard, then the scope's inbound key: the refusal to answer with, or null. */
  const denied = (c: Context, scope: GuardScope): Response | null => {
    const refusal = router.browserRefusal((name) => c.req.header(name), c.req.method, scope);
    if (refusal) return errorResponse(refusal);
    const authorization = c.req.header('authorization');
    const allowed =
      scope === 'api' ? router.authorize(authorization) : router.authorizeDashboard(authorization);
    return allowed ? null : errorResponse(routerErrors.invalidApiKey());
  };

  app.get('/health', () => jsonResponse({ status: 'ok' }));

  app.get('/ready', async () => {
    const readiness = await router.readiness();
    return jsonResponse(
      { status: readiness.ready ? 'ready' : 'not_ready', reason: readiness.reason },
      readiness.ready ? 200 : 503,
    );
  });

  app.get('/v1/models', (c) => denied(c, 'api') ?? jsonResponse(router.listModels()));

  // Model ids may contain '/' (Qwen/Qwen3-8B): everything after /v1/models/ is the id.
  app.get('/v1/models/*', (c) => {
    const refusal = denied(c, 'api');
    if (refusal) return refusal;
    const id = decodeModelId(new URL(c.req.url).pathname.slice('/v1/models/'.length));
    const model = id === null ? null : router.model(id);
    return model ? jsonResponse(model) : errorResponse(routerErrors.modelNotFound(id ?? ''));
  });

  const metricsText = options.metricsText ?? (() => router.metricsText());
  const dashboard = options.dashboard ?? (() => router.dashboard());
  app.get('/metrics', async (c) => {
    const refusal = denied(c, 'dashboard');
    if (refusal) return refusal;
    return new Response(await metricsText(), {
      headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
    });
  });

  app.get('/api/dashboard', async (c) => {
    const refusal = denied(c, 'dashboard');
    if (refusal) return refusal;
    return jsonResponse(await dashboard(), 200, { 'cache-control': 'no-store' });
  });

  const history = options.history ?? (() => Promise.resolve(router.history()));
  app.get('/api/history', async (c) => {
    const refusal = denied(c, 'dashboard');
    if (refusal) return refusal;
    return jsonResponse(await history(), 200, { 'cache-control': 'no-store' });
  });

  app.post('/v1/*', async (c) => {
    const raw = c.req.raw;
    const url = new URL(raw.url);
    const headers: Record<string, string> = {};
    raw.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const result = await serveProxy(router, {
      method: 'POST',
      target: url.pathname + url.search,
      headers,
      body: {
        read: async (maxBytes) => (raw.body ? collectBody(raw.body, maxBytes) : []),
      },
      signal: raw.signal,
    });
    switch (result.kind) {
      case 'response':
        return proxyResponseToWeb(result.response);
      case 'error':
        return errorResponse(result.error);
      case 'client-gone':
        return new Response(null, { status: 499 });
      case 'not-proxied':
        return errorResponse(routerErrors.methodNotAllowed('POST', 'GET, HEAD'));
    }
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

/** A percent-encoded model id from the path, or null when it is not valid UTF-8 escapes. */
function decodeModelId(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

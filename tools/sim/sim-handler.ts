import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimContext } from './sim-context.ts';
import type { SimEventInfo } from './sim-events.ts';
import { errorTypeFor, inferenceFault, modelsFaultStatus } from './sim-faults.ts';
import { RequestScope, readBody, sendError, sendJson } from './sim-http.ts';
import { serveInference } from './sim-inference.ts';
import { METRICS_CONTENT_TYPE, renderMetrics } from './sim-metrics.ts';
import { modelsBody } from './sim-openai.ts';
import { type InferenceKind, parseInference } from './sim-request.ts';

const INFERENCE_ROUTES: Readonly<Record<string, InferenceKind>> = {
  '/v1/chat/completions': 'chat',
  '/v1/completions': 'completion',
  '/v1/embeddings': 'embedding',
};

export type SimRequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Builds the `node:http` request listener of one sim instance. */
export function createSimHandler(ctx: SimContext): SimRequestHandler {
  return (req, res) => {
    const path = pathOf(req.url);
    const requestId = headerValue(req, 'x-request-id');
    const info = (): SimEventInfo =>
      requestId === undefined ? { path, at: Date.now() } : { path, at: Date.now(), requestId };
    ctx.counters.countRequest(path);
    ctx.events.emit('request', info());
    const scope = new RequestScope();
    res.on('finish', () => ctx.events.emit('complete', info()));
    res.on('close', () => {
      // Closed before the last byte left: the client went away (or a crash/drop, which are not cancels).
      if (!res.writableFinished && !scope.serverAborted && !ctx.crashing) {
        ctx.counters.cancelled++;
        ctx.events.emit('cancel', info());
      }
      scope.close();
    });
    if (requestId !== undefined) res.setHeader('x-request-id', requestId);
    route(ctx, req, res, path, scope).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else sendError(res, 500, `sim: ${String(error)}`, 'InternalServerError');
    });
  };
}

async function route(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  scope: RequestScope,
): Promise<void> {
  const method = req.method ?? 'GET';
  if (path === '/health') {
    res.writeHead(method === 'GET' || method === 'HEAD' ? 200 : 405, { 'content-length': 0 }).end();
    return;
  }
  if (path === '/metrics' && method === 'GET') {
    const { engine, options } = ctx;
    const text = renderMetrics({
      engine: options.engine,
      model: options.models[0] ?? 'demo-model',
      snapshot: engine.snapshot(),
      ttft: engine.ttft,
      maxNumSeqs: options.maxNumSeqs,
      createdAt: ctx.createdAt,
    });
    res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE, 'content-length': Buffer.byteLength(text) });
    res.end(text);
    return;
  }
  const kind = INFERENCE_ROUTES[path];
  if (path === '/v1/models' ? method !== 'GET' : kind !== undefined && method !== 'POST') {
    sendError(res, 405, 'Method Not Allowed', 'APIError');
    return;
  }
  if (path !== '/v1/models' && kind === undefined) {
    sendError(res, 404, 'Not Found', 'NotFoundError');
    return;
  }
  let body = '';
  if (kind !== undefined) {
    const raw = await readBody(req);
    if (raw === null) return;
    body = raw;
    ctx.counters.recordInference(req.url ?? '', req.headers, body);
  }
  if (!authorized(ctx, req)) {
    sendError(res, 401, 'Unauthorized', 'AuthenticationError');
    return;
  }
  const { faults } = ctx.options;
  if (faults.slowFirstByteMs > 0 && !(await scope.sleep(faults.slowFirstByteMs))) return;
  if (kind === undefined) {
    serveModels(ctx, res);
    return;
  }
  serveInferencePost(ctx, res, scope, kind, body);
}

function serveModels(ctx: SimContext, res: ServerResponse): void {
  const status = modelsFaultStatus(ctx.options.faults, ctx.flapEpoch);
  if (status !== null) {
    ctx.counters.errorsInjected++;
    sendError(res, status, `Simulated /v1/models status ${status}.`, errorTypeFor(status));
    return;
  }
  sendJson(res, 200, modelsBody(ctx.options.models, ctx.options.engine));
}

function serveInferencePost(
  ctx: SimContext,
  res: ServerResponse,
  scope: RequestScope,
  kind: InferenceKind,
  body: string,
): void {
  const fault = inferenceFault(ctx.options.faults);
  if (fault.kind !== 'none') {
    ctx.counters.errorsInjected++;
    // A hang answers nothing; the scope is released when the client gives up.
    if (fault.kind === 'respond') sendError(res, fault.status, fault.message, fault.type, fault.headers);
    return;
  }
  const parsed = parseInference(kind, body, ctx.options.defaultMaxTokens, ctx.options.prefixCacheTokens > 0);
  if (!parsed.ok) {
    sendError(res, parsed.status, parsed.message, 'BadRequestError');
    return;
  }
  const model = parsed.request.model || (ctx.options.models[0] ?? 'demo-model');
  if (!ctx.options.models.includes(model)) {
    sendError(res, 404, `The model \`${model}\` does not exist.`, 'NotFoundError');
    return;
  }
  serveInference(ctx, res, scope, parsed.request, model);
}

function authorized(ctx: SimContext, req: IncomingMessage): boolean {
  const key = ctx.options.apiKey;
  if (key === undefined) return true;
  const header = headerValue(req, 'authorization') ?? '';
  return header.length === key.length + 7 && /^bearer /i.test(header) && header.slice(7) === key;
}

function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return q === -1 ? raw : raw.slice(0, q);
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

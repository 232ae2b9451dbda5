import type { Backend } from '../pool/backend.ts';
import type { AttemptOutcome } from '../state/router-state.ts';
import type { ReleaseExtra } from './attempt-slot.ts';
import type { DispatchContext } from './dispatch.ts';
import { clientResponseHeaders, upstreamRequestHeaders } from './forward-headers.ts';
import { headerValue, type ProxyRequest, type ProxyResponse } from './proxy-exchange.ts';
import { relayBody } from './relay-body.ts';
import { parseRetryAfter } from './retry-after.ts';
import { spliceModel, totalLength } from './splice-model.ts';
import {
  describeFailure,
  neverReachedBackend,
  TransportError,
  type UpstreamFailure,
} from './upstream-failure.ts';

type Release = (outcome: AttemptOutcome, extra: ReleaseExtra) => void;
type RecordRequest = (
  outcome: 'success' | 'failure' | 'client-error' | 'client-gone',
  status: number,
  ttft: number | null,
) => void;

export type AttemptResult =
  | { readonly kind: 'response'; readonly response: ProxyResponse }
  | { readonly kind: 'failed'; readonly failure: UpstreamFailure };

/** Default hold for an upstream 429 without a usable Retry-After. */
const DEFAULT_429_HOLD_MS = 1000;
/** Longest hold an upstream 429's Retry-After can impose (5 minutes; docs/operations.md). */
const MAX_429_HOLD_MS = 300_000;

/** One upstream exchange: send, classify, and either hand back a relayable response or a failure. */
export async function attemptUpstream(
  request: ProxyRequest,
  backend: Backend,
  scan: { readonly start: number; readonly end: number },
  requestId: string,
  ctx: DispatchContext,
  hooks: { readonly firstByte: () => number; readonly release: Release; readonly record: RecordRequest },
): Promise<AttemptResult> {
  const { release, record } = hooks;
  const body = backend.rewriteModel
    ? spliceModel(request.body, scan.start, scan.end, backend.upstreamModel)
    : request.body;
  const headers = upstreamRequestHeaders(request.headers, backend, requestId, totalLength(body));
  let upstream: Awaited<ReturnType<typeof ctx.transport.send>>;
  try {
    upstream = await ctx.transport.send({
      url: `${backend.apiBase}/${request.path}${request.query ?? ''}`,
      method: 'POST',
      headers,
      body,
      signal: request.signal,
    });
  } catch (error) {
    const failure: UpstreamFailure = request.signal.aborted
      ? { kind: 'client-gone' }
      : error instanceof TransportError
        ? error.failure
        : { kind: 'reset', message: error instanceof Error ? error.message : String(error), sent: true };
    if (failure.kind === 'client-gone') release('client-gone', {});
    else
      release(neverReachedBackend(failure) ? 'not-sent' : 'failure', {
        error: describeFailure(failure),
        failure,
      });
    return { kind: 'failed', failure };
  }

  const { status } = upstream;
  if (status >= 500) {
    upstream.cancel();
    const failure: UpstreamFailure = { kind: 'status5xx', status, message: `from ${backend.id}` };
    release('failure', { error: `upstream status ${status}`, failure });
    return { kind: 'failed', failure };
  }
  if (status === 401 || status === 403) {
    // About the router's key for this backend, not the client's request: relaying it would show clients
    // the hosted account's error (OpenAI's quotes the masked key) and blame their own key. Another
    // backend may hold a working key.
    upstream.cancel();
    const failure: UpstreamFailure = { kind: 'credentials', status, message: `from ${backend.id}` };
    release('failure', {
      error: `upstream status ${status}: backend credentials rejected`,
      errorKind: 'credentials',
    });
    return { kind: 'failed', failure };
  }
  if (status === 429) {
    upstream.cancel();
    const now = ctx.clock.now();
    // Capped: a misconfigured or hostile upstream (`Retry-After: 86400`, a date next year) must not take
    // a backend out of rotation for longer than an operator would notice and fix it.
    const retryAfterMs = Math.min(
      parseRetryAfter(headerValue(upstream.headers, 'retry-after'), ctx.clock.wallTime()) ??
        DEFAULT_429_HOLD_MS,
      MAX_429_HOLD_MS,
    );
    release('rate-limited', { error: 'upstream status 429', holdUntil: now + retryAfterMs });
    return { kind: 'failed', failure: { kind: 'status429', retryAfterMs } };
  }

  const { headers: outHeaders, eventStream } = clientResponseHeaders(upstream.headers, requestId, backend.id);
  const clientError = status >= 400;
  let ttft: number | null = null;
  const body$ = relayBody(upstream, {
    eventStream,
    signal: request.signal,
    onFirstByte: () => {
      ttft = hooks.firstByte();
    },
    onEnd: (end) => {
      ctx.onResponseEnd();
      switch (end.kind) {
        case 'complete':
          release(clientError ? 'client-error' : 'success', { ttftMs: ttft });
          record(clientError ? 'client-error' : 'success', status, ttft);
          break;
        case 'broken':
          release('failure', {
            ttftMs: ttft,
            error: `stream broken: ${end.message}`,
            errorKind: 'stream_broken',
          });
          record('failure', status, ttft);
          ctx.log.warn('upstream broke mid-body', { requestId, backend: backend.id, reason: end.message });
          break;
        case 'client-gone':
          release('client-gone', { ttftMs: ttft });
          record('client-gone', status, ttft);
          break;
      }
    },
  });
  return { kind: 'response', response: { status, headers: outHeaders, body: body$ } };
}

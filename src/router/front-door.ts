import { ClientGoneError } from '../core/dispatch.ts';
import { headerValue, type ProxyResponse } from '../core/proxy-exchange.ts';
import { proxyPathOf, upstreamQueryOf } from '../core/proxy-route.ts';
import { RouterError, routerErrors } from '../core/router-error.ts';
import type { AbortSignalLike, HeaderRecord } from '../core/transport.ts';
import type { AdmissionTicket } from './admitted-dispatch.ts';
import type { GuardScope, HeaderLookup } from './browser-guard.ts';

/** A request body as a runtime reads it: chunks kept apart, the size limit enforced as bytes arrive. */
export interface BodySource {
  /** Rejects with a RouterError (413) over `maxBytes`; any other rejection reads as an unreadable body. */
  read(maxBytes: number): Promise<readonly Uint8Array[]>;
}

/** A client request as it reached a runtime, before the router looked at it. */
export interface InboundRequest {
  readonly method: string;
  /** Raw request target as sent (path and optional query), not normalised by a URL parser. */
  readonly target: string;
  /** Lower-case names. */
  readonly headers: Readonly<HeaderRecord>;
  readonly body: BodySource;
  /** Fires when the client goes away. */
  readonly signal: AbortSignalLike;
}

/** What the front door decided; each runtime only renders it. */
export type FrontDoorResult =
  | { readonly kind: 'response'; readonly response: ProxyResponse }
  /** `close`: the rest of the request is not worth reading (an oversized body). */
  | { readonly kind: 'error'; readonly error: RouterError; readonly close: boolean }
  /** Nothing to write: the client is gone and the upstream was aborted. */
  | { readonly kind: 'client-gone' }
  /** Not a proxied route: the route table answers it. */
  | { readonly kind: 'not-proxied' };

/** The parts of the router the front door needs (the LlmRouter facade provides them). */
export interface FrontDoorRouter {
  browserRefusal(header: HeaderLookup, method: string, scope: GuardScope): RouterError | null;
  authorize(authorization: string | undefined): boolean;
  maxBodyBytes(): number;
  /** A max_inflight slot, taken before the body is read; throws a RouterError when full or draining. */
  admit(): AdmissionTicket;
}

/**
 * The policy of `POST /v1/*` for both runtimes, in order: route, browser guard, inbound auth, admission,
 * body (limit), dispatch. Admission comes before the body so uploads in progress count against server.max_inflight.
 * Node's fast path and the Hono route both call this and render what it returns, so they cannot drift.
 */
export async function serveProxy(router: FrontDoorRouter, request: InboundRequest): Promise<FrontDoorResult> {
  const query = request.target.indexOf('?');
  const pathname = query === -1 ? request.target : request.target.slice(0, query);
  const path = proxyPathOf(request.method, pathname);
  if (path === null) return { kind: 'not-proxied' };
  if (typeof path !== 'string') return { kind: 'error', error: path, close: false };
  const { headers } = request;
  const header = (name: string) => headerValue(headers, name);
  const refusal = router.browserRefusal(header, request.method, 'api');
  if (refusal) return { kind: 'error', error: refusal, close: false };
  if (!router.authorize(header('authorization')))
    return { kind: 'error', error: routerErrors.invalidApiKey(), close: false };

  let ticket: AdmissionTicket;
  try {
    ticket = router.admit();
  } catch (error) {
    if (error instanceof RouterError) return { kind: 'error', error, close: false };
    throw error;
  }

  let body: readonly Uint8Array[];
  try {
    const maxBytes = router.maxBodyBytes();
    // A declared length over the limit is refused before reading anything.
    if (Number(header('content-length')) > maxBytes) throw routerErrors.bodyTooLarge(maxBytes);
    body = await request.body.read(maxBytes);
  } catch (error) {
    if (request.signal.aborted) {
      ticket.abandon(null);
      return { kind: 'client-gone' };
    }
    const routerError = error instanceof RouterError ? error : routerErrors.badBody();
    ticket.abandon(routerError.status);
    return { kind: 'error', error: routerError, close: routerError.status === 413 };
  }

  try {
    const response = await ticket.dispatch({
      path,
      query: upstreamQueryOf(request.target),
      headers: request.headers,
      body,
      signal: request.signal,
    });
    return { kind: 'response', response };
  } catch (error) {
    if (error instanceof ClientGoneError || request.signal.aborted) return { kind: 'client-gone' };
    if (error instanceof RouterError) return { kind: 'error', error, close: false };
    throw error;
  }
}

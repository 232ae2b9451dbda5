import type { Backend } from '../pool/backend.ts';
import type { HeaderRecord } from './transport.ts';

/** RFC 9110 §7.6.1 connection-specific headers: never forwarded in either direction. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
] as const;

export const REQUEST_ID_HEADER = 'x-request-id';
export const BACKEND_HEADER = 'x-llm-router-backend';

/**
 * The header policy, both directions (docs/operations.md "Header policy" lists the same names and says
 * why). Requests are an allowlist: a client header reaches the backend only if named in `pass`; the
 * router `sets` its own. Responses are a denylist: upstream headers reach the client unless named in
 * `drop` (or in the upstream's `Connection` header), because engines and hosted APIs add headers clients
 * read (`openai-processing-ms`, `x-ratelimit-*`) that no list could foresee.
 */
export const HEADER_POLICY = {
  request: {
    /** Content negotiation, tracing and API-version selection: nothing that touches billing or auth. */
    pass: ['accept', 'accept-language', 'user-agent', 'traceparent', 'tracestate', 'openai-beta'],
    set: ['content-type', 'content-length', 'authorization', REQUEST_ID_HEADER],
    /**
     * Named because a client may expect them to pass: the inbound key, and the headers that would let a
     * client choose the organization or project billed on the router's key. Everything unnamed is dropped too.
     */
    drop: ['authorization', 'openai-organization', 'openai-project', 'cookie', ...HOP_BY_HOP],
  },
  response: {
    set: [REQUEST_ID_HEADER, BACKEND_HEADER],
    drop: [
      ...HOP_BY_HOP,
      // The hosted account's session cookies, scoped to the upstream's domain, not the clients'.
      'set-cookie',
      'set-cookie2',
      // Which organization and project the router's key bills: the operator's business.
      'openai-organization',
      'openai-project',
      // These speak for the upstream's origin (alternative endpoints, HSTS, an auth challenge for the
      // backend's key) but would be read as the router's.
      'alt-svc',
      'strict-transport-security',
      'www-authenticate',
    ],
  },
} as const;

const PASS_UPSTREAM: readonly string[] = HEADER_POLICY.request.pass;
const DROP_DOWNSTREAM: ReadonlySet<string> = new Set(HEADER_POLICY.response.drop);

/** Header names a `Connection` header lists: connection-specific for this hop only (RFC 9110 §7.6.1). */
function connectionNamed(value: string | string[] | undefined): ReadonlySet<string> | null {
  // The common values name no header: answer them without splitting (every keep-alive response has one).
  if (value === undefined || value === 'keep-alive' || value === 'close') return null;
  const names = (Array.isArray(value) ? value.join(',') : value)
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '' && name !== 'close' && name !== 'keep-alive');
  return names.length === 0 ? null : new Set(names);
}

export function upstreamRequestHeaders(
  client: Readonly<HeaderRecord>,
  backend: Backend,
  requestId: string,
  contentLength: number,
): Record<string, string> {
  const out: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(contentLength),
    [REQUEST_ID_HEADER]: requestId,
  };
  const hopOnly = connectionNamed(client.connection);
  for (const name of PASS_UPSTREAM) {
    const value = client[name];
    if (typeof value === 'string' && !hopOnly?.has(name)) out[name] = value;
  }
  if (backend.apiKey) out.authorization = `Bearer ${backend.apiKey}`;
  return out;
}

/** Upstream response headers under HEADER_POLICY.response, plus the router's own. */
export function clientResponseHeaders(
  upstream: Readonly<HeaderRecord>,
  requestId: string,
  backendId: string,
): { headers: Record<string, string | string[]>; eventStream: boolean } {
  const headers: Record<string, string | string[]> = {};
  const hopOnly = connectionNamed(upstream.connection);
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined || DROP_DOWNSTREAM.has(name) || hopOnly?.has(name)) continue;
    headers[name] = value;
  }
  const contentType = headers['content-type'];
  const eventStream = typeof contentType === 'string' && contentType.startsWith('text/event-stream');
  if (eventStream) {
    // Proxies and browsers must not buffer or transform an event stream (nginx honours X-Accel-Buffering).
    headers['cache-control'] = 'no-cache';
    headers['x-accel-buffering'] = 'no';
    delete headers['content-length'];
  }
  headers[REQUEST_ID_HEADER] = requestId;
  headers[BACKEND_HEADER] = backendId;
  return { headers, eventStream };
}

import type { Backend } from '../pool/backend.ts';
import type { HeaderRecord } from './transport.ts';

/** RFC 9110 §7.6.1 connection-specific headers: never forwarded in either direction. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Client headers worth passing upstream; the client's Authorization never is (it is the router's key). */
const PASS_UPSTREAM = ['accept', 'user-agent', 'traceparent', 'tracestate', 'accept-language'];

export const REQUEST_ID_HEADER = 'x-request-id';
export const BACKEND_HEADER = 'x-llm-router-backend';

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
  for (const name of PASS_UPSTREAM) {
    const value = client[name];
    if (typeof value === 'string') out[name] = value;
  }
  for (const name in client) {
    // OpenAI-Organization, OpenAI-Project, OpenAI-Beta: meaningful to hosted OpenAI-compatible APIs.
    if (name.startsWith('openai-')) {
      const value = client[name];
      if (typeof value === 'string') out[name] = value;
    }
  }
  if (backend.apiKey) out.authorization = `Bearer ${backend.apiKey}`;
  return out;
}

/** Upstream response headers minus hop-by-hop ones, plus the router's own. */
export function clientResponseHeaders(
  upstream: Readonly<HeaderRecord>,
  requestId: string,
  backendId: string,
): { headers: Record<string, string | string[]>; eventStream: boolean } {
  const headers: Record<string, string | string[]> = {};
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
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

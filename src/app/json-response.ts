import { errorEnvelope, type RouterError } from '../core/router-error.ts';

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

export function errorResponse(error: RouterError, extraHeaders: Record<string, string> = {}): Response {
  return new Response(errorEnvelope(error), {
    status: error.status,
    headers: { 'content-type': 'application/json', ...error.headers, ...extraHeaders },
  });
}

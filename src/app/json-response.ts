import { type RouterError, renderError } from '../core/router-error.ts';

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

export function errorResponse(error: RouterError): Response {
  const { status, headers, body } = renderError(error);
  return new Response(body, { status, headers });
}

export type OpenAIErrorType =
  | 'invalid_request_error'
  | 'rate_limit_error'
  | 'server_error'
  | 'authentication_error'
  | 'not_found_error';

/** An error the router itself answers with; rendered as the OpenAI JSON envelope. */
export class RouterError extends Error {
  override readonly name = 'RouterError';
  readonly status: number;
  readonly type: OpenAIErrorType;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    type: OpenAIErrorType,
    code: string,
    message: string,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = status;
    this.type = type;
    this.code = code;
    this.headers = headers;
  }
}

/** The one renderer of the envelope; JSON.stringify escapes model names and reasons. */
export function errorEnvelope(error: RouterError): string {
  return JSON.stringify({
    error: { message: error.message, type: error.type, param: null, code: error.code },
  });
}

/** A RouterError as the HTTP answer every runtime writes: status, headers and the envelope. */
export function renderError(error: RouterError): {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
} {
  return {
    status: error.status,
    headers: { 'content-type': 'application/json', ...error.headers },
    body: errorEnvelope(error),
  };
}

export const routerErrors = {
  badBody: () => new RouterError(400, 'invalid_request_error', 'invalid_body', 'failed to read request body'),
  bodyTooLarge: (limitBytes: number) =>
    new RouterError(
      413,
      'invalid_request_error',
      'body_too_large',
      `request body exceeds the limit of ${limitBytes} bytes (server.max_body_mb)`,
    ),
  missingModel: () =>
    new RouterError(400, 'invalid_request_error', 'missing_model', "missing or empty 'model' field"),
  modelNotFound: (model: string) =>
    new RouterError(404, 'invalid_request_error', 'model_not_found', `model '${model}' not found`),
  noHealthy: () =>
    new RouterError(503, 'server_error', 'no_healthy_backends', 'no healthy backends available'),
  allRateLimited: (retryAfterSeconds: number) =>
    new RouterError(429, 'rate_limit_error', 'rate_limited', 'all backends rate limited', {
      'retry-after': String(retryAfterSeconds),
    }),
  allSaturated: (retryAfterSeconds: number) =>
    new RouterError(503, 'server_error', 'backends_at_capacity', 'all backends at max concurrency', {
      'retry-after': String(retryAfterSeconds),
    }),
  retriesExhausted: (detail: string) =>
    new RouterError(502, 'server_error', 'all_retries_exhausted', `all retries exhausted: ${detail}`),
  invalidApiKey: () => new RouterError(401, 'authentication_error', 'invalid_api_key', 'invalid api key'),
  overloaded: (retryAfterSeconds: number) =>
    new RouterError(503, 'server_error', 'router_overloaded', 'router is at server.max_inflight', {
      'retry-after': String(retryAfterSeconds),
    }),
  notFound: (path: string) =>
    new RouterError(404, 'invalid_request_error', 'not_found', `no route for ${path}`),
  methodNotAllowed: (method: string, allow: string) =>
    new RouterError(405, 'invalid_request_error', 'method_not_allowed', `method ${method} not allowed`, {
      allow,
    }),
  invalidPath: () =>
    new RouterError(
      400,
      'invalid_request_error',
      'invalid_path',
      "invalid request path: '.' or '..' segments and encoded '.', '/', '\\' or '%' are not allowed",
    ),
  requestTimeout: () =>
    new RouterError(
      408,
      'invalid_request_error',
      'request_timeout',
      'request not received within server.request_read_timeout',
    ),
  malformedRequest: () =>
    new RouterError(400, 'invalid_request_error', 'malformed_request', 'malformed HTTP request'),
  headersTooLarge: () =>
    new RouterError(431, 'invalid_request_error', 'headers_too_large', 'request headers too large'),
  stateUnavailable: () =>
    new RouterError(503, 'server_error', 'state_unavailable', 'router state unavailable, try again', {
      'retry-after': '1',
    }),
  shuttingDown: () =>
    new RouterError(503, 'server_error', 'shutting_down', 'router is shutting down', { 'retry-after': '1' }),
} as const;

/**
 * Why one upstream attempt failed; decides retryability and what counts against the backend.
 * `sent` (timeouts and resets): the whole request had been written before the failure, so the backend
 * may have done the work without the router seeing an answer (retry.after_send decides whether it is sent
 * again). A transport that cannot tell says true.
 */
export type UpstreamFailure =
  | {
      readonly kind: 'timeout';
      readonly phase: 'connect' | 'headers' | 'body';
      readonly message: string;
      readonly sent: boolean;
    }
  | { readonly kind: 'connect'; readonly message: string }
  | { readonly kind: 'reset'; readonly message: string; readonly sent: boolean }
  | { readonly kind: 'status5xx'; readonly status: number; readonly message: string }
  /** 401/403: the upstream refused the router's own key (the client's never goes upstream). */
  | { readonly kind: 'credentials'; readonly status: number; readonly message: string }
  | { readonly kind: 'status429'; readonly retryAfterMs: number }
  | { readonly kind: 'client-gone' };

/** Thrown by transports so the core never has to know a runtime's native error codes. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  readonly failure: UpstreamFailure;

  constructor(failure: UpstreamFailure) {
    super(describeFailure(failure));
    this.failure = failure;
  }
}

/** The backend may have processed the request although no answer came back (see retry.after_send). */
export function mayHaveRun(failure: UpstreamFailure): boolean {
  return (failure.kind === 'reset' || failure.kind === 'timeout') && failure.sent;
}

/** The request never reached the backend, so its RPM charge is refunded. */
export function neverReachedBackend(failure: UpstreamFailure): boolean {
  return failure.kind === 'connect' || (failure.kind === 'timeout' && failure.phase === 'connect');
}

export function describeFailure(failure: UpstreamFailure): string {
  switch (failure.kind) {
    case 'timeout':
      return `timeout waiting for upstream ${failure.phase}: ${failure.message}`;
    case 'connect':
      return `connect failed: ${failure.message}`;
    case 'reset':
      return `connection reset: ${failure.message}`;
    case 'status5xx':
      return `upstream status ${failure.status}: ${failure.message}`;
    case 'credentials':
      return `upstream status ${failure.status}: backend credentials rejected (${failure.message})`;
    case 'status429':
      return 'upstream status 429 (rate limited)';
    case 'client-gone':
      return 'client disconnected';
  }
}

import type { UpstreamFailure } from '../core/upstream-failure.ts';
import type { AttemptOutcome } from './router-state.ts';

/**
 * Why an attempt did not succeed, as the dashboard and `/metrics` count it: a closed list, so a label
 * built from it stays bounded whatever upstreams answer.
 */
export const ATTEMPT_ERROR_KINDS = [
  'timeout',
  'connect',
  'reset',
  'status_5xx',
  'credentials',
  'stream_broken',
  'rate_limited',
  'client_error',
] as const;

export type AttemptErrorKind = (typeof ATTEMPT_ERROR_KINDS)[number];

/** The kind an attempt's outcome counts as, or null when it says nothing against the backend. */
export function errorKindOf(
  outcome: AttemptOutcome,
  given: AttemptErrorKind | undefined,
): AttemptErrorKind | null {
  switch (outcome) {
    case 'success':
    case 'withdrawn':
    case 'client-gone':
      return null;
    case 'rate-limited':
      return 'rate_limited';
    case 'client-error':
      return 'client_error';
    case 'not-sent':
      return given ?? 'connect';
    case 'failure':
      return given ?? 'reset';
  }
}

/** The kind a transport or status failure counts as. */
export function errorKindOfFailure(failure: UpstreamFailure): AttemptErrorKind {
  switch (failure.kind) {
    case 'timeout':
      return 'timeout';
    case 'connect':
      return 'connect';
    case 'status5xx':
      return 'status_5xx';
    case 'credentials':
      return 'credentials';
    case 'status429':
      return 'rate_limited';
    case 'reset':
    case 'client-gone':
      return 'reset';
  }
}

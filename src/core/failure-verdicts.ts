import { mayHaveRun, type UpstreamFailure } from './upstream-failure.ts';

/**
 * "This request fails everywhere" or "this backend fails": a client input that makes every engine
 * answer 500 (or crash, or run past the timeout) must not eject every backend of its model. Failures a
 * request can cause are therefore judged when the request is over: counted against their backends if
 * the request was answered somewhere, or if no other backend failed it the same way; a failure that
 * another backend repeated for the same request is the request's, and counts against nobody.
 * Failures a request cannot cause (refused connections, rejected credentials) count at once, and so
 * does everything when the model has a single backend: there is nothing to compare with, and a
 * backend that fails is best taken out before the request retries it again.
 */
export class FailureVerdicts {
  readonly #pending: { readonly id: string; readonly signature: string }[] = [];
  readonly #comparable: boolean;

  /** `backends`: how many the request's model has. */
  constructor(backends: number) {
    this.#comparable = backends > 1;
  }

  /** Whether this attempt's failure waits for the request's end (then it was recorded as pending). */
  defer(id: string, failure: UpstreamFailure): boolean {
    if (!this.#comparable) return false;
    const signature = signatureOf(failure);
    if (signature === null) return false;
    this.#pending.push({ id, signature });
    return true;
  }

  /**
   * The backends to count the pending failures against, now that the request is over: each at most
   * once, since one request's retries must not add up to an ejection on their own.
   */
  settle(answered: boolean): readonly string[] {
    if (this.#pending.length === 0) return NONE;
    const pending = this.#pending.splice(0);
    const blamed = answered
      ? pending
      : pending.filter(
          (entry) => !pending.some((other) => other.id !== entry.id && other.signature === entry.signature),
        );
    return [...new Set(blamed.map((entry) => entry.id))];
  }
}

const NONE: readonly string[] = [];

/** How a failure looked, when the request itself may have caused it; null when it cannot have. */
function signatureOf(failure: UpstreamFailure): string | null {
  if (failure.kind === 'status5xx') return `status ${failure.status}`;
  if (!mayHaveRun(failure)) return null;
  return failure.kind === 'timeout' ? `timeout ${failure.phase}` : failure.kind;
}

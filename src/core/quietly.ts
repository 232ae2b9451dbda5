import type { ClientRequestRecord, MaybePromise, RouterState } from '../state/router-state.ts';
import type { Logger } from './logger.ts';

/**
 * A state call nobody on the request path waits for (a release, a record, a renewal): a failure is
 * handed to `onError` and answers null, never thrown into the request. What a lost call costs is bounded
 * elsewhere (a lease, the next probe). An in-memory state answers synchronously, and then so does this,
 * without allocating a promise on the hot path.
 */
export function quietly<T>(
  call: () => MaybePromise<T>,
  onError: (error: unknown) => void,
): MaybePromise<T | null> {
  try {
    const result = call();
    if (!(result instanceof Promise)) return result;
    return result.catch((error: unknown) => {
      onError(error);
      return null;
    });
  } catch (error) {
    onError(error);
    return null;
  }
}

/** A client request's statistics, recorded quietly: losing them never changes what the client gets. */
export function recordQuietly(state: RouterState, log: Logger, record: ClientRequestRecord): void {
  quietly(
    () => state.recordRequest(record),
    (error) => log.warn('request statistics lost', { error: String(error) }),
  );
}

import type { MaybePromise } from '../state/router-state.ts';

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

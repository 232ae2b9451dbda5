import type { AbortSignalLike } from './transport.ts';

/** Time source injected everywhere time matters, so windows, backoff and schedules test deterministically. */
export interface Clock {
  /**
   * Milliseconds on a clock that never steps: durations, RPM windows, 429 holds, schedules. It reads
   * like ms since the epoch (anchored at start-up) but does not follow later wall-clock changes: an NTP
   * step or a resumed VM must not empty a 60 s window or hold a backend back for an hour.
   */
  now(): number;
  /** The wall clock (ms since the epoch): only for dates exchanged with the outside (HTTP-date, display). */
  wallTime(): number;
  /** Resolve after `ms`, or reject with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignalLike): Promise<void>;
}

// performance.now() is monotonic in every runtime we run on; anchoring it once to the wall clock keeps
// `now()` values readable as epoch milliseconds. The anchor is taken at the first call, not at module
// load: workerd's performance.now() reads 0 at global scope and the wall clock once a request runs.
let origin: number | undefined;

function monotonicNow(): number {
  const elapsed = performance.now();
  origin ??= Date.now() - elapsed;
  return origin + elapsed;
}

export const systemClock: Clock = {
  now: monotonicNow,
  wallTime: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

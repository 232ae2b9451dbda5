/** Longest single sleep: the interval is re-read at least this often, so a reload that shortens it applies. */
const RECHECK_MS = 1000;

/**
 * Run `task` now and then every `intervalMs` (read each time, so a reload can change it, and re-read at
 * least once a second while waiting, so a shorter interval applies within a second rather than after the
 * old one ran out), never overlapping itself; the timer is unref'd so it never keeps the process alive.
 * Returns a stop function.
 */
export function repeatEvery(
  intervalMs: () => number,
  task: () => Promise<void>,
  onError: (error: unknown) => void,
): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let lastEnd = 0;
  const run = async () => {
    try {
      await task();
    } catch (error) {
      onError(error);
    }
    lastEnd = Date.now();
    wait();
  };
  const wait = () => {
    if (stopped) return;
    const remaining = lastEnd + intervalMs() - Date.now();
    if (remaining <= 0) {
      void run();
      return;
    }
    timer = setTimeout(wait, Math.min(remaining, RECHECK_MS));
    timer.unref();
  };
  void run();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}

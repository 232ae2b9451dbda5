/**
 * Run `task` now and then every `intervalMs` (read each time, so a reload can change it), never
 * overlapping itself; the timer is unref'd so it never keeps the process alive. Returns a stop function.
 */
export function repeatEvery(
  intervalMs: () => number,
  task: () => Promise<void>,
  onError: (error: unknown) => void,
): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const run = async () => {
    try {
      await task();
    } catch (error) {
      onError(error);
    }
    if (stopped) return;
    timer = setTimeout(run, intervalMs());
    timer.unref();
  };
  void run();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}

import type { LlmRouter } from '../../src/index.ts';

/**
 * Longest sleep between looks at the background schedule: the periods are re-read from the live config
 * at each look, so a reload that shortens one applies within this.
 */
const LOOK_MS = 1000;

/** Node's scheduler for the router's background work (`router.background`); returns a stop function. */
export function runBackground(router: LlmRouter): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const look = () => {
    if (stopped) return;
    const next = router.background.runDue();
    if (timer) clearTimeout(timer);
    timer = setTimeout(look, Math.min(router.background.msUntil(next), LOOK_MS));
    timer.unref();
  };
  router.background.onWake(look);
  look();
  return () => {
    stopped = true;
    router.background.onWake(null);
    if (timer) clearTimeout(timer);
  };
}

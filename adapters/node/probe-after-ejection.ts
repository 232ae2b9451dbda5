import type { LlmRouter } from '../../src/index.ts';

/**
 * After a passive ejection, probe that backend on its own once `health_check.ejection_probe_delay` has
 * passed: a backend taken out by a burst of failures is otherwise out until the next round (30 s by
 * default), and a model whose only backend it was answers 503 all that time. Returns a stop function.
 */
export function probeAfterEjection(router: LlmRouter, onError: (error: unknown) => void): () => void {
  const timers = new Set<NodeJS.Timeout>();
  const unsubscribe = router.onHealthChange((change) => {
    if (change.healthy || change.cause !== 'traffic') return;
    const delayMs = router.config.health_check.ejection_probe_delay * 1000;
    if (delayMs <= 0) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      // Read when due: a reload may have removed or changed the backend meanwhile.
      const backend = router.pool.snapshot.get(change.id);
      if (backend) router.probe([backend]).catch(onError);
    }, delayMs);
    timer.unref();
    timers.add(timer);
  });
  return () => {
    unsubscribe();
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  };
}

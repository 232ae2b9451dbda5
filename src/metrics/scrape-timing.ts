import type { MainConfig } from '../config/main-config-schema.ts';

/** Metrics older than this many scrape periods are stale for least-waiting. */
const STALE_SCRAPE_PERIODS = 3;

/**
 * One /metrics request may take a period, at least a second (a loaded vLLM API server answers slowly),
 * at most health_check.timeout. A round waits for its slowest scrape, so this bounds how far one hung
 * endpoint can push the next round of every other backend.
 */
export function scrapeTimeoutMs(config: MainConfig): number {
  return Math.min(config.health_check.timeout, Math.max(1, config.monitor.collect_interval)) * 1000;
}

/**
 * A few scrape periods, and at least a period plus the scrape timeout plus a second: the gap between two
 * rounds is a period plus the slowest scrape of the round, and one hung endpoint must not make every
 * backend's metrics stale.
 */
export function staleAfterMs(config: MainConfig): number {
  const periodMs = config.monitor.collect_interval * 1000;
  return Math.max(STALE_SCRAPE_PERIODS * periodMs, periodMs + scrapeTimeoutMs(config) + 1000);
}

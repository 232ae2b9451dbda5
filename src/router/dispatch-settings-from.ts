import type { MainConfig } from '../config/main-config-schema.ts';
import type { DispatchSettings } from '../core/dispatch-settings.ts';
import { staleAfterMs } from '../metrics/scrape-timing.ts';

/** Saturation poll period where asking the state costs nothing (in-memory state on Node). */
export const DEFAULT_SATURATION_POLL_MS = 20;

/**
 * The attempt loop's settings from config.yaml. `saturationPollMs` comes from the runtime, not the
 * config: its right value depends on what one state call costs there.
 */
export function dispatchSettingsFrom(
  config: MainConfig,
  saturationPollMs = DEFAULT_SATURATION_POLL_MS,
): DispatchSettings {
  return {
    strategy: config.routing.strategy,
    numRetries: config.routing.num_retries,
    backoff: {
      baseDelayMs: config.retry.base_delay_ms,
      maxDelayMs: config.retry.max_delay_ms,
      jitterFactor: config.retry.jitter_factor,
    },
    failureThreshold: config.retry.failure_threshold,
    rateLimitMode: config.rate_limit.mode,
    maxWaitMs: config.rate_limit.max_wait_ms,
    saturationPollMs,
    staleAfterMs: staleAfterMs(config),
  };
}

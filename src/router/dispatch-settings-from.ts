import type { MainConfig, StrategyName } from '../config/main-config-schema.ts';
import type { DispatchSettings } from '../core/dispatch-settings.ts';
import { staleAfterMs } from '../metrics/scrape-timing.ts';
import type { StatePolicy } from '../state/router-state.ts';

/** Saturation poll period where asking the state costs nothing (in-memory state on Node). */
export const DEFAULT_SATURATION_POLL_MS = 20;

/** What the state judges calls by (router-state.ts StatePolicy), with `strategy` for one model's override. */
export function statePolicyFrom(
  config: MainConfig,
  strategy: StrategyName = config.routing.strategy,
): StatePolicy {
  const cacheAware = config.routing.cache_aware;
  return {
    strategy,
    staleAfterMs: staleAfterMs(config),
    ejectAfterFailures: config.retry.failure_threshold,
    probeFailureThreshold: config.health_check.failure_threshold,
    recoveryThreshold: config.health_check.recovery_threshold,
    cacheAware: { loadMargin: cacheAware.load_margin, maxBlocks: cacheAware.max_blocks },
  };
}

/**
 * What the runtime decides rather than the config: the right saturation poll period depends on what one
 * state call costs there, and only a remote state needs attempts leased.
 */
export interface RuntimeTuning {
  /** Default DEFAULT_SATURATION_POLL_MS. */
  readonly saturationPollMs?: number;
  /** DispatchSettings.leaseMs; default none. */
  readonly leaseMs?: number;
  /**
   * Processes serving behind one port (server.workers): each admits its share of server.max_inflight,
   * so together they never admit more. Default 1.
   */
  readonly processes?: number;
}

/** This process's share of server.max_inflight (0 = unlimited) when `processes` share the port. */
export function maxInflightShare(limit: number, processes = 1): number {
  if (limit <= 0 || processes <= 1) return limit;
  return Math.max(1, Math.floor(limit / processes));
}

/** The attempt loop's settings from config.yaml and the runtime's tuning. */
export function dispatchSettingsFrom(config: MainConfig, tuning: RuntimeTuning = {}): DispatchSettings {
  return {
    numRetries: config.routing.num_retries,
    afterSend: config.retry.after_send,
    backoff: {
      baseDelayMs: config.retry.base_delay_ms,
      maxDelayMs: config.retry.max_delay_ms,
      jitterFactor: config.retry.jitter_factor,
    },
    rateLimitMode: config.rate_limit.mode,
    maxWaitMs: config.rate_limit.max_wait_ms,
    saturationPollMs: tuning.saturationPollMs ?? DEFAULT_SATURATION_POLL_MS,
    leaseMs: tuning.leaseMs ?? null,
    statePolicy: statePolicyFrom(config),
    modelPolicies: new Map(
      Object.entries(config.routing.per_model).map(([model, override]) => [
        model,
        statePolicyFrom(config, override.strategy),
      ]),
    ),
    affinity: {
      blockBytes: config.routing.cache_aware.block_bytes,
      maxPrefixBlocks: config.routing.cache_aware.max_prefix_blocks,
      sessionHeader: config.routing.cache_aware.session_header.toLowerCase() || null,
      sessionFromUser: config.routing.cache_aware.session_from_user,
    },
  };
}

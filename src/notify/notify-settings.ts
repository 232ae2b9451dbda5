import { ConfigError } from '../config/config-error.ts';
import type { MainConfig } from '../config/main-config-schema.ts';
import type { SecretSource } from '../config/resolve-secret.ts';
import { type WebhookTarget, webhookTargets } from '../config/webhook-targets.ts';

/** When notifications fall due, from `webhook.*` (milliseconds). */
export interface NotifyTimings {
  readonly batchMs: number;
  readonly cooldownMs: number;
  readonly reportActiveMs: number;
  readonly reportIdleMs: number;
  /** How long the startup report waits for every backend's first probe result before it goes anyway. */
  readonly startupWaitMs: number;
}

/** The notifier's view of one config version; null when webhooks are off. */
export interface NotifySettings {
  readonly targets: readonly WebhookTarget[];
  readonly timings: NotifyTimings;
  /** One delivery attempt's deadline. */
  readonly timeoutMs: number;
}

/**
 * Resolved once per config version (LiveConfig), so secrets are read at load and a reload that names an
 * unset variable is rejected before anything changes. Throws ConfigError naming the key.
 */
export function notifySettingsFrom(
  config: MainConfig,
  secrets: SecretSource,
  file: string,
): NotifySettings | null {
  const { webhook, health_check: hc } = config;
  if (!webhook.enabled) return null;
  const { targets, problems } = webhookTargets(webhook, secrets);
  if (problems.length > 0) throw new ConfigError(file, problems);
  return {
    targets,
    timeoutMs: webhook.timeout * 1000,
    timings: {
      batchMs: webhook.batch_interval * 1000,
      cooldownMs: webhook.cooldown_seconds * 1000,
      reportActiveMs: webhook.report_interval_active * 1000,
      reportIdleMs: webhook.report_interval_idle * 1000,
      // Two rounds and a probe timeout: a backend slow to answer its first probe is still counted.
      startupWaitMs: Math.min(Math.max(2 * hc.interval + hc.timeout, 10), 300) * 1000,
    },
  };
}

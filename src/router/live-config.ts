import type { MainConfig } from '../config/main-config-schema.ts';
import type { SecretSource } from '../config/resolve-secret.ts';
import type { DispatchSettings } from '../core/dispatch-settings.ts';
import { type NotifySettings, notifySettingsFrom } from '../notify/notify-settings.ts';
import type { BrowserGuardPolicy } from './browser-guard.ts';
import { dispatchSettingsFrom, type RuntimeTuning } from './dispatch-settings-from.ts';
import { type InboundAuth, resolveInboundAuth } from './resolve-inbound-auth.ts';

/**
 * The running config.yaml and what is derived from it once per version (attempt-loop settings, inbound
 * key checks, webhook targets with their secrets), so the request path never re-reads or re-resolves
 * config.
 */
export class LiveConfig {
  readonly #secrets: SecretSource;
  readonly #file: string;
  readonly #tuning: RuntimeTuning;
  #config: MainConfig;
  #settings: DispatchSettings;
  #auth: InboundAuth;
  #notify: NotifySettings | null;
  #guard: BrowserGuardPolicy;

  /** `file` names config.yaml in the ConfigError an unresolvable inbound key or webhook secret raises. */
  constructor(config: MainConfig, secrets: SecretSource, file: string, tuning: RuntimeTuning = {}) {
    this.#secrets = secrets;
    this.#file = file;
    this.#tuning = tuning;
    this.#config = config;
    this.#settings = dispatchSettingsFrom(config, tuning);
    this.#auth = resolveInboundAuth(config, secrets, file);
    this.#notify = notifySettingsFrom(config, secrets, file);
    this.#guard = guardPolicy(config, this.#auth);
  }

  get config(): MainConfig {
    return this.#config;
  }

  get settings(): DispatchSettings {
    return this.#settings;
  }

  get auth(): InboundAuth {
    return this.#auth;
  }

  /** Webhook settings (null when off). */
  get notify(): NotifySettings | null {
    return this.#notify;
  }

  get guard(): BrowserGuardPolicy {
    return this.#guard;
  }

  /** Throws ConfigError (an inbound key or webhook value names an unset variable) before changing anything. */
  update(config: MainConfig): void {
    const auth = resolveInboundAuth(config, this.#secrets, this.#file);
    const notify = notifySettingsFrom(config, this.#secrets, this.#file);
    this.#config = config;
    this.#settings = dispatchSettingsFrom(config, this.#tuning);
    this.#auth = auth;
    this.#notify = notify;
    this.#guard = guardPolicy(config, auth);
  }
}

function guardPolicy(config: MainConfig, auth: InboundAuth): BrowserGuardPolicy {
  return {
    open: { api: auth.api === null, dashboard: auth.dashboard === null },
    allowedHosts: config.server.allowed_hosts,
  };
}

import { ConfigError } from '../config/config-error.ts';
import type { MainConfig } from '../config/main-config-schema.ts';
import { resolveSecret, type SecretSource } from '../config/resolve-secret.ts';
import { type ApiKeyCheck, createApiKeyCheck } from '../core/check-api-key.ts';

/** The inbound key checks of one config; null means that surface runs without auth. */
export interface InboundAuth {
  /** /v1/* */
  readonly api: ApiKeyCheck | null;
  /** The dashboard, /api/* and /metrics: dashboard.auth, else server.api_keys. */
  readonly dashboard: ApiKeyCheck | null;
}

/**
 * Resolve `server.api_keys` and `dashboard.auth` once per config. An `os.environ/NAME` whose variable is
 * unset or empty is a ConfigError naming the key path: dropping it would leave an empty key list, and an
 * empty list means "no auth", so a missing secret would open the router to everyone.
 */
export function resolveInboundAuth(config: MainConfig, secrets: SecretSource, file: string): InboundAuth {
  const problems: string[] = [];
  const api = resolveKeys(config.server.api_keys, 'server.api_keys', secrets, problems);
  const dashboard = resolveKeys(config.dashboard.auth, 'dashboard.auth', secrets, problems);
  if (problems.length > 0) throw new ConfigError(file, problems);
  return {
    api: createApiKeyCheck(api),
    dashboard: createApiKeyCheck(dashboard.length > 0 ? dashboard : api),
  };
}

function resolveKeys(
  keys: readonly string[],
  path: string,
  secrets: SecretSource,
  problems: string[],
): string[] {
  const values: string[] = [];
  for (const [index, key] of keys.entries()) {
    const resolved = resolveSecret(key, secrets);
    if ('error' in resolved) problems.push(`${path}[${index}]: ${resolved.error}`);
    else values.push(resolved.value);
  }
  return values;
}

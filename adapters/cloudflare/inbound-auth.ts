import { type MainConfig, RouterError, resolveSecret, type SecretSource } from '../../src/index.ts';
import type { WorkerEnv } from './env.ts';

/**
 * A Worker is reachable from the whole Internet, so unlike the Node service it does not run open by
 * default: it needs at least one inbound key that resolves (an `os.environ/NAME` whose secret is missing
 * does not count), or an explicit ALLOW_NO_AUTH="true".
 */
export function inboundAuthProblem(
  config: MainConfig,
  secrets: SecretSource,
  env: WorkerEnv,
): RouterError | null {
  if (env.ALLOW_NO_AUTH === 'true') return null;
  const usable = config.server.api_keys.some((key) => 'value' in resolveSecret(key, secrets));
  if (usable) return null;
  const configured = config.server.api_keys.length > 0;
  return new RouterError(
    503,
    'server_error',
    'auth_not_configured',
    configured
      ? 'inbound auth is not configured: no server.api_keys entry resolves (set the Worker secret it names with `wrangler secret put`)'
      : 'inbound auth is not configured: set server.api_keys (e.g. "os.environ/ROUTER_API_KEY" and `wrangler secret put ROUTER_API_KEY`) or the var ALLOW_NO_AUTH="true"',
  );
}

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.ts';
import { parseMainConfig } from '../../src/config/parse-main-config.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { createSeededRandom } from '../../src/core/random.ts';
import { LlmRouter } from '../../src/router/llm-router.ts';
import { MemoryRouterState } from '../../src/state/memory-router-state.ts';
import { transport } from '../support/core-router.ts';
import { FakeClock } from '../support/fake-clock.ts';

const env: Record<string, string> = { ROUTER_KEY: 'from-env', EMPTY: '' };

function configOf(yaml: string) {
  return parseMainConfig(yaml, 'config.yaml');
}

function routerOf(yaml: string): LlmRouter {
  const random = createSeededRandom(1);
  return new LlmRouter({
    config: configOf(yaml),
    state: new MemoryRouterState(random),
    transport,
    clock: new FakeClock(),
    random,
    log: silentLogger,
    secrets: (name) => env[name],
    configFile: '/etc/llm-router/config.yaml',
    systemInfo: () => ({ memoryMb: null, runtime: 'test', version: '0' }),
  });
}

function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('inbound keys from os.environ/NAME', () => {
  it('resolves a set variable for /v1 and, without dashboard.auth, for the dashboard', () => {
    const router = routerOf('server:\n  api_keys: ["os.environ/ROUTER_KEY"]\n');
    expect(router.authorize('Bearer from-env')).toBe(true);
    expect(router.authorize('Bearer os.environ/ROUTER_KEY')).toBe(false);
    expect(router.authorize(undefined)).toBe(false);
    expect(router.authorizeDashboard('Bearer from-env')).toBe(true);
    expect(router.authorizeDashboard(undefined)).toBe(false);
  });

  it('refuses to start when a variable is unset or empty, naming each key path, instead of running open', () => {
    const error = configErrorOf(() =>
      routerOf(
        'server:\n  api_keys: ["os.environ/ROUTER_KEY", "os.environ/NOT_SET_ANYWHERE"]\n' +
          'dashboard:\n  auth: ["os.environ/EMPTY"]\n',
      ),
    );
    expect(error.file).toBe('/etc/llm-router/config.yaml');
    expect(error.problems).toEqual([
      'server.api_keys[1]: environment variable NOT_SET_ANYWHERE is not set',
      'dashboard.auth[0]: environment variable EMPTY is not set',
    ]);
  });

  it('still runs open when no key is configured at all', () => {
    const router = routerOf('server:\n  port: 8080\n');
    expect(router.authorize(undefined)).toBe(true);
    expect(router.authorizeDashboard(undefined)).toBe(true);
  });

  it('rejects a reload whose key is unresolvable and keeps the whole previous config', () => {
    const router = routerOf('server:\n  api_keys: ["literal-key"]\nrouting:\n  num_retries: 1\n');
    const before = router.config;
    const error = configErrorOf(() =>
      router.updateConfig(
        configOf('server:\n  api_keys: ["os.environ/NOT_SET_ANYWHERE"]\nrouting:\n  num_retries: 5\n'),
      ),
    );
    expect(error.message).toBe(
      '/etc/llm-router/config.yaml: server.api_keys[0]: environment variable NOT_SET_ANYWHERE is not set',
    );
    expect(router.config).toBe(before);
    expect(router.authorize('Bearer literal-key')).toBe(true);
    expect(router.authorize(undefined)).toBe(false);
    router.updateConfig(configOf('server:\n  api_keys: ["os.environ/ROUTER_KEY"]\n'));
    expect(router.authorize('Bearer from-env')).toBe(true);
    expect(router.authorize('Bearer literal-key')).toBe(false);
  });
});

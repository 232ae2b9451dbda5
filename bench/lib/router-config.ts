import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_MODEL } from './bodies.ts';

/** The bench backend file's name (its prefix selects the self_deployed source). */
export const BENCH_BACKEND_FILE = 'self_deployed_bench.yaml';

/** One backend of a multi-backend bench config (the routing benchmark's fleet). */
export interface BenchBackend {
  /** Includes `/v1`. */
  readonly apiBase: string;
  readonly weight?: number;
}

export interface RouterConfigOptions {
  /** `routing.strategy` (default simple-shuffle). */
  readonly strategy?: string;
  /** `monitor.collect_interval` in seconds (default: the router's). */
  readonly collectInterval?: number;
  /** `server.workers` (default 1). */
  readonly workers?: number;
  /** `state.store: redis` at this URL (default: memory). */
  readonly redisUrl?: string;
}

/**
 * The bench router's config texts: config.yaml and one backend file with one backend at `upstreamUrl`
 * (or, given a list, one per entry, all serving the bench model). Quiet logs, rare health checks, no
 * dashboard. The Node router reads them from files, the Worker from its config bindings, so both run the
 * same config.
 */
export function routerConfigTexts(
  upstream: string | readonly BenchBackend[],
  options: RouterConfigOptions = {},
): { main: string; backendFile: string } {
  const backends = typeof upstream === 'string' ? [{ apiBase: `${upstream}/v1` }] : upstream;
  const backendFile = [
    'model_list:',
    ...backends.flatMap((backend) => [
      `  - model_name: "${BENCH_MODEL}"`,
      '    litellm_params:',
      `      model: "openai/${BENCH_MODEL}"`,
      `      api_base: "${backend.apiBase}"`,
      '      api_key: "dummy"',
      `      weight: ${backend.weight ?? 1}`,
      '      source_type: "self_deployed"',
      '      rpm_limit: null',
    ]),
    '',
  ].join('\n');
  const main = [
    '# Written by bench/lib/router-config.ts',
    'server:',
    '  host: "127.0.0.1"',
    '  max_body_mb: 64',
    ...(options.workers === undefined ? [] : [`  workers: ${options.workers}`]),
    ...(options.redisUrl === undefined
      ? []
      : ['state:', '  store: "redis"', `  url: "${options.redisUrl}"`, '  key_prefix: "bench:"']),
    'routing:',
    `  strategy: "${options.strategy ?? 'simple-shuffle'}"`,
    '  num_retries: 3',
    'health_check:',
    '  interval: 60',
    '  timeout: 5',
    ...(options.collectInterval === undefined
      ? []
      : ['monitor:', `  collect_interval: ${options.collectInterval}`]),
    'dashboard:',
    '  enabled: false',
    '  web_port: 0',
    'log:',
    '  level: "warn"',
    'backends:',
    '  config_dir: "configs"',
    '  enabled_sources: ["self_deployed"]',
    '',
  ].join('\n');
  return { main, backendFile };
}

/** Write the bench config into `dir` (config.yaml + configs/<backend file>) and return the config path. */
export function writeRouterConfig(
  dir: string,
  upstream: string | readonly BenchBackend[],
  options: RouterConfigOptions = {},
): string {
  const { main, backendFile } = routerConfigTexts(upstream, options);
  const backends = join(dir, 'configs');
  mkdirSync(backends, { recursive: true });
  writeFileSync(join(backends, BENCH_BACKEND_FILE), backendFile);
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, main);
  return configPath;
}

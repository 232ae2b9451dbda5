import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_MODEL } from './bodies.ts';

/**
 * Write a bench config for the router into `dir` (config.yaml + configs/self_deployed_bench.yaml with one
 * backend at `upstreamUrl`) and return the config path. Quiet logs, rare health checks, no dashboard.
 */
export function writeRouterConfig(dir: string, upstreamUrl: string): string {
  const backends = join(dir, 'configs');
  mkdirSync(backends, { recursive: true });
  writeFileSync(
    join(backends, 'self_deployed_bench.yaml'),
    [
      'model_list:',
      `  - model_name: "${BENCH_MODEL}"`,
      '    litellm_params:',
      `      model: "openai/${BENCH_MODEL}"`,
      `      api_base: "${upstreamUrl}/v1"`,
      '      api_key: "dummy"',
      '      weight: 1.0',
      '      source_type: "self_deployed"',
      '      rpm_limit: null',
      '',
    ].join('\n'),
  );
  const configPath = join(dir, 'config.yaml');
  writeFileSync(
    configPath,
    [
      '# Written by bench/lib/router-config.ts',
      'server:',
      '  host: "127.0.0.1"',
      '  max_body_mb: 64',
      'routing:',
      '  strategy: "simple-shuffle"',
      '  num_retries: 3',
      'health_check:',
      '  interval: 60',
      '  timeout: 5',
      'dashboard:',
      '  enabled: false',
      '  web_port: 0',
      'log:',
      '  level: "warn"',
      'backends:',
      '  config_dir: "configs"',
      '  enabled_sources: ["self_deployed"]',
      '',
    ].join('\n'),
  );
  return configPath;
}

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * config.yaml + configs/self_deployed_failover.yaml for the failover bench: one model on every api_base,
 * probes every second, short retry backoff, default retry.failure_threshold (3).
 */
export function writeFailoverConfig(dir: string, model: string, apiBases: readonly string[]): string {
  const backends = join(dir, 'configs');
  mkdirSync(backends, { recursive: true });
  const entries = apiBases.flatMap((apiBase) => [
    `  - model_name: "${model}"`,
    '    litellm_params:',
    `      model: "openai/${model}"`,
    `      api_base: "${apiBase}"`,
    '      api_key: "dummy"',
    '      weight: 1.0',
    '      source_type: "self_deployed"',
  ]);
  writeFileSync(join(backends, 'self_deployed_failover.yaml'), ['model_list:', ...entries, ''].join('\n'));
  const configPath = join(dir, 'config.yaml');
  writeFileSync(
    configPath,
    [
      '# Written by bench/failover/config.ts',
      'server:',
      '  host: "127.0.0.1"',
      'routing:',
      '  strategy: "simple-shuffle"',
      '  num_retries: 3',
      'retry:',
      '  base_delay_ms: 20',
      '  max_delay_ms: 200',
      'health_check:',
      '  interval: 1',
      '  timeout: 1',
      'monitor:',
      '  collect_interval: 60',
      'dashboard:',
      '  enabled: false',
      '  web_port: 0',
      'log:',
      // info: the bench reads the `backend healthy/unhealthy` transitions from the log (no per-request lines).
      '  level: "info"',
      'backends:',
      '  config_dir: "configs"',
      '  enabled_sources: ["self_deployed"]',
      '',
    ].join('\n'),
  );
  return configPath;
}

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MODEL } from './fleet-spec.ts';

export type StrategyName = 'simple-shuffle' | 'least-connections' | 'least-waiting';

export const STRATEGIES: readonly StrategyName[] = ['simple-shuffle', 'least-connections', 'least-waiting'];

/** The main config every benchmark router runs with (the virtual replay parses the same object). */
export function mainConfigObject(strategy: StrategyName, collectInterval: number) {
  return {
    server: { host: '127.0.0.1', port: 0, shutdown_grace: 2 },
    routing: { strategy, num_retries: 3 },
    health_check: { interval: 60, timeout: 5 },
    monitor: { collect_interval: collectInterval },
    backends: { config_dir: '.', enabled_sources: ['self_deployed'] },
    dashboard: { enabled: false },
    log: { level: 'warn' },
  };
}

/**
 * `<dir>/config.yaml` plus `<dir>/self_deployed_bench.yaml` (JSON is valid YAML). Probes every 60 s (the
 * first round runs at start), engine /metrics every `collectInterval` s, warnings only.
 */
export async function writeRouterConfig(
  dir: string,
  strategy: StrategyName,
  apiBases: readonly string[],
  weights: readonly number[],
  collectInterval: number,
): Promise<string> {
  const main = mainConfigObject(strategy, collectInterval);
  const backends = {
    model_list: apiBases.map((apiBase, i) => ({
      model_name: MODEL,
      litellm_params: {
        model: `openai/${MODEL}`,
        api_base: apiBase,
        api_key: 'dummy',
        weight: weights[i] ?? 1,
        source_type: 'self_deployed',
        rpm_limit: null,
      },
    })),
  };
  const configPath = join(dir, 'config.yaml');
  await writeFile(configPath, `${JSON.stringify(main, null, 2)}\n`);
  await writeFile(join(dir, 'self_deployed_bench.yaml'), `${JSON.stringify(backends, null, 2)}\n`);
  return configPath;
}

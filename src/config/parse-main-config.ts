import { ConfigError } from './config-error.ts';
import { formatIssues } from './format-issues.ts';
import { type MainConfig, MainConfigSchema } from './main-config-schema.ts';
import { parseYaml } from './parse-yaml.ts';
import { webhookTargets } from './webhook-targets.ts';

/** Text of `config.yaml` in, validated config with defaults out; throws ConfigError naming file and key. */
export function parseMainConfig(text: string, file: string): MainConfig {
  const raw = parseYaml(text, file) ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(file, ['(top level): expected a mapping of sections (server, routing, ...)']);
  }
  const result = MainConfigSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(file, formatIssues(result.error.issues));
  const config = result.data;
  if (config.retry.max_delay_ms < config.retry.base_delay_ms) {
    throw new ConfigError(file, ['retry.max_delay_ms: must be >= retry.base_delay_ms']);
  }
  const { problems } = webhookTargets(config.webhook, null);
  if (problems.length > 0) throw new ConfigError(file, problems);
  return config;
}

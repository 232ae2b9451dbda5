import { type Backend, backendId, metricsUrlOf, normaliseApiBase } from '../pool/backend.ts';
import { BackendFileSchema } from './backend-file-schema.ts';
import { ConfigError } from './config-error.ts';
import { formatIssues } from './format-issues.ts';
import { parseYaml } from './parse-yaml.ts';
import { resolveSecret, type SecretSource } from './resolve-secret.ts';
import { upstreamModelName } from './upstream-model-name.ts';

export interface BackendFileOptions {
  /** Source type the file name selected (`openai_config.yaml` -> `openai`). */
  readonly source: string;
  readonly secrets: SecretSource;
  /** Sources whose backends are not scraped for engine metrics unless an entry opts in. */
  readonly skipMetricsSources: readonly string[];
}

export interface ParsedBackendFile {
  readonly backends: Backend[];
  readonly warnings: string[];
}

/** Text of one backend file in, validated backends out; throws ConfigError naming file and key path. */
export function parseBackendFile(text: string, file: string, options: BackendFileOptions): ParsedBackendFile {
  const raw = parseYaml(text, file);
  if (raw === null || raw === undefined) return { backends: [], warnings: [] };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(file, ['(top level): expected a mapping with a model_list key']);
  }
  const result = BackendFileSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(file, formatIssues(result.error.issues));

  const warnings: string[] = [];
  const ignored = Object.keys(raw).filter((key) => key !== 'model_list');
  if (ignored.length > 0) warnings.push(`${file}: ignoring top-level key(s) ${ignored.join(', ')}`);

  const problems: string[] = [];
  const seen = new Set<string>();
  const backends: Backend[] = [];
  for (const [index, entry] of (result.data.model_list ?? []).entries()) {
    const params = entry.litellm_params;
    const at = `model_list[${index}]`;
    const apiBase = normaliseApiBase(params.api_base);
    const id = backendId(entry.model_name, apiBase);
    if (seen.has(id)) {
      problems.push(`${at}: duplicate backend ${id}`);
      continue;
    }
    seen.add(id);
    let apiKey: string | undefined;
    if (params.api_key) {
      const secret = resolveSecret(params.api_key, options.secrets);
      if ('error' in secret) {
        problems.push(`${at}.litellm_params.api_key: ${secret.error}`);
        continue;
      }
      apiKey = secret.value;
    }
    const sourceType = params.source_type ?? options.source;
    const upstreamModel = upstreamModelName(params.model);
    backends.push({
      id,
      modelName: entry.model_name,
      apiBase,
      upstreamModel,
      rewriteModel: upstreamModel !== entry.model_name,
      apiKey,
      weight: params.weight ?? 1,
      sourceType,
      rpmLimit: params.rpm_limit ?? null,
      maxConcurrency: params.max_concurrency ?? null,
      maxNumSeqs: params.max_num_seqs ?? null,
      supportsVision: params.supports_vision ?? false,
      scrapeMetrics: params.scrape_metrics ?? !options.skipMetricsSources.includes(sourceType),
      metricsUrl: metricsUrlOf(apiBase),
      file,
    });
  }
  if (problems.length > 0) throw new ConfigError(file, problems);
  return { backends, warnings };
}

import { z } from 'zod';

/**
 * The backend id `model_name@api_base` is shown in response headers, /metrics, the dashboard and logs,
 * so credentials in it would leak (use `api_key`); a query or fragment would swallow the `/<path>` the
 * router appends. Messages never echo the value.
 */
function checkApiBase(value: string, ctx: z.RefinementCtx): void {
  if (!URL.canParse(value)) {
    ctx.addIssue({ code: 'custom', message: 'must be an absolute http(s) URL' });
    return;
  }
  const url = new URL(value);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    ctx.addIssue({ code: 'custom', message: 'must use http or https' });
  if (url.username !== '' || url.password !== '')
    ctx.addIssue({
      code: 'custom',
      message: 'must not contain credentials (user:password@); put the key in api_key',
    });
  if (url.search !== '' || url.hash !== '' || /[?#]/.test(value))
    ctx.addIssue({ code: 'custom', message: 'must not contain a query (?) or fragment (#)' });
}

/** `litellm_params` of one LiteLLM `model_list` entry. */
export const LitellmParamsSchema = z.strictObject({
  model: z.string().min(1),
  api_base: z.string().min(1).superRefine(checkApiBase),
  api_key: z.string().nullish(),
  supports_vision: z.boolean().nullish(),
  weight: z.number().positive().nullish(),
  source_type: z.string().min(1).nullish(),
  /** null = unlimited; 0 would silently disable the backend, so it is an error. */
  rpm_limit: z.number().int().positive().nullish(),
  /** Ours: cap concurrent requests sent to this backend (match vLLM `max_num_seqs`); null = unlimited. */
  max_concurrency: z.number().int().positive().nullish(),
  /**
   * Ours: how many sequences the engine runs at once (vLLM `--max-num-seqs`, SGLang
   * `--max-running-requests`); a capacity hint for least-waiting, written by `llm-router deploy`. Unlike
   * max_concurrency it caps nothing: requests beyond it queue at the engine. null = learn it.
   */
  max_num_seqs: z.number().int().positive().nullish(),
  /** Ours: scrape `<base>/metrics`; null = decided by `monitor.skip_sources`. */
  scrape_metrics: z.boolean().nullish(),
  /** LiteLLM keys we accept and ignore so existing files keep loading. */
  timeout: z.number().nullish(),
  stream_timeout: z.number().nullish(),
  max_retries: z.number().nullish(),
  tpm: z.number().nullish(),
  rpm: z.number().nullish(),
});

export const ModelEntrySchema = z.strictObject({
  model_name: z.string().min(1),
  litellm_params: LitellmParamsSchema,
  model_info: z.record(z.string(), z.unknown()).nullish(),
});

/** One backend file (`configs/<source>*.yaml`). Unknown top-level keys are tolerated (warned about). */
export const BackendFileSchema = z.looseObject({
  model_list: z.array(ModelEntrySchema).nullish(),
});

export type ModelEntry = z.infer<typeof ModelEntrySchema>;

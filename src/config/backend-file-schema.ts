import { z } from 'zod';

/** `litellm_params` of one LiteLLM `model_list` entry. */
export const LitellmParamsSchema = z.strictObject({
  model: z.string().min(1),
  api_base: z
    .string()
    .min(1)
    .refine((value) => URL.canParse(value), 'must be an absolute http(s) URL')
    .refine(
      (value) => !URL.canParse(value) || /^https?:$/.test(new URL(value).protocol),
      'must use http or https',
    ),
  api_key: z.string().nullish(),
  supports_vision: z.boolean().nullish(),
  weight: z.number().positive().nullish(),
  source_type: z.string().min(1).nullish(),
  /** null = unlimited; 0 would silently disable the backend, so it is an error. */
  rpm_limit: z.number().int().positive().nullish(),
  /** Ours: cap concurrent requests sent to this backend (match vLLM `max_num_seqs`); null = unlimited. */
  max_concurrency: z.number().int().positive().nullish(),
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

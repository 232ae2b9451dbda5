import { z } from 'zod';

/** An integer or a uniform range `min:max` (`--max-tokens 64:512`). */
export const IntRangeSchema = z
  .object({ min: z.number().int().nonnegative(), max: z.number().int().nonnegative() })
  .refine((range) => range.min <= range.max, 'min must not exceed max');
export type IntRange = z.infer<typeof IntRangeSchema>;

export const ArrivalSchema = z.enum(['poisson', 'constant']);
export type Arrival = z.infer<typeof ArrivalSchema>;

export const EndpointSchema = z.enum(['chat', 'completions']);
export type Endpoint = z.infer<typeof EndpointSchema>;

/** Closed loop: a fixed number of requests in flight. Open loop: arrivals at a rate, whatever the answers. */
export const LoadShapeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('closed'), concurrency: z.number().int().positive() }),
  z.object({ kind: z.literal('open'), rate: z.number().positive(), arrival: ArrivalSchema }),
]);
export type LoadShape = z.infer<typeof LoadShapeSchema>;

/** Where requests go: the server's base URL (no `/v1`) and the model name it serves. */
export const TargetSchema = z.object({ url: z.string(), model: z.string().min(1) });
export type Target = z.infer<typeof TargetSchema>;

/** What one request looks like; the same for every target of a run. */
export const RequestShapeSchema = z.object({
  endpoint: EndpointSchema,
  stream: z.boolean(),
  /** null: the request sets no limit (a dataset line's own `max_tokens` stays). */
  maxTokens: IntRangeSchema.nullable(),
  promptTokens: IntRangeSchema,
  /** JSONL file, one chat request body per line; replaces the synthetic prompt. */
  dataset: z.string().nullable(),
  apiKey: z.string().nullable(),
  headers: z.array(z.tuple([z.string(), z.string()])),
  /** Seconds one request may take before it counts as a timeout. */
  timeoutS: z.number().positive(),
});
export type RequestShape = z.infer<typeof RequestShapeSchema>;

/**
 * A whole `llm-router bench` run, resolved from the command line once. Worker processes receive it as
 * JSON and parse it again with this schema, so both sides agree on one shape.
 */
export const BenchConfigSchema = z.object({
  label: z.string(),
  target: TargetSchema,
  /** A/B mode: the same workload against this backend directly, interleaved with the router phases. */
  direct: TargetSchema.nullable(),
  phases: z.number().int().positive(),
  load: LoadShapeSchema,
  request: RequestShapeSchema,
  /** Stop after this many measured requests (per side in A/B mode). */
  requests: z.number().int().positive().nullable(),
  /** Stop after this many seconds of measurement (per side in A/B mode). */
  durationS: z.number().positive().nullable(),
  rampUpS: z.number().nonnegative(),
  warmupS: z.number().nonnegative(),
  workers: z.number().int().positive(),
  seed: z.number().int(),
  /** True when `--seed` was given: dataset lines are sampled with it instead of taken in turn. */
  sampleDataset: z.boolean(),
  output: z.string().nullable(),
  quiet: z.boolean(),
});
export type BenchConfig = z.infer<typeof BenchConfigSchema>;

export type Side = 'router' | 'direct';

import { z } from 'zod';

/**
 * What `top` reads of `GET /api/dashboard`. Lenient on purpose: a remote router of another version (or
 * the Go router, whose shapes ours keeps) may lack the newer fields, which then show as "—" rather than
 * failing the screen. Only `backends` is required: without it the URL is not a router's dashboard.
 */
const count = z.number().catch(0);
const maybe = z.number().nullable().catch(null);
const text = z.string().catch('');
const errors = z.record(z.string(), z.number()).catch({});

const latency = {
  ttft_p50_ms: maybe,
  ttft_p99_ms: maybe,
  latency_p50_ms: maybe,
  latency_p99_ms: maybe,
  output_tokens_per_s: maybe,
  errors,
};

const TopBackendSchema = z.object({
  id: z.string(),
  model_name: text,
  api_base: z.string().nullable().catch(null),
  healthy: z.boolean().catch(false),
  ejected: z.boolean().catch(false),
  probed: z.boolean().catch(true),
  engine: z.string().catch('unknown'),
  connections: count,
  pending: count,
  running: count,
  waiting: count,
  send_rpm: count,
  comp_rpm: count,
  rpm_limit: maybe,
  gpu_cache: count,
  prefix_cache_hit_rate: maybe,
  metrics_age_ms: maybe,
  rate_limited_until: z.string().nullable().catch(null),
  last_error: z.string().nullable().catch(null),
  last_error_at: z.string().nullable().catch(null),
  ...latency,
});

const TopModelSchema = z.object({
  name: text,
  healthy: count,
  total: count,
  running: count,
  waiting: count,
  comp_rpm: count,
  completed: count,
  ...latency,
});

export const TopDataSchema = z.object({
  system: z
    .object({ version: text, uptime_seconds: count, strategy: text, time: text })
    .catch({ version: '', uptime_seconds: 0, strategy: '', time: '' }),
  requests: z
    .object({ total: count, success: count, failures: count, success_rate: maybe, inflight: maybe })
    .catch({ total: 0, success: 0, failures: 0, success_rate: null, inflight: null }),
  models: z.array(TopModelSchema).catch([]),
  backends: z.array(TopBackendSchema),
  recent_errors: z
    .array(z.object({ backend: text, error: text, at: z.string().nullable().catch(null) }))
    .catch([]),
});

export type TopData = z.infer<typeof TopDataSchema>;
export type TopBackend = z.infer<typeof TopBackendSchema>;
export type TopModel = z.infer<typeof TopModelSchema>;

import type { EngineSnapshot } from './sim-engine.ts';
import { promFloat, type TtftHistogram } from './sim-histogram.ts';
import type { SimEngineKind } from './sim-options.ts';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface MetricsInput {
  engine: SimEngineKind;
  /** Real engines label with the first served model name only, even when several aliases are served. */
  model: string;
  snapshot: EngineSnapshot;
  ttft: TtftHistogram;
  maxNumSeqs: number;
  /** Unix seconds; prometheus_client emits a `_created` sample per counter, which parsers must skip. */
  createdAt: number;
}

type Kind = 'gauge' | 'counter';

/** Renders the Prometheus text exposition with the engine's real metric names and label sets. */
export function renderMetrics(input: MetricsInput): string {
  return input.engine === 'sglang' ? renderSglang(input) : renderVllm(input);
}

function renderVllm(input: MetricsInput): string {
  const { snapshot: s } = input;
  const labels = `engine="0",model_name="${escapeLabel(input.model)}"`;
  const out: string[] = [];
  const add = (name: string, kind: Kind, help: string, value: number): void => {
    pushMetric(out, `vllm:${name}`, kind, help, labels, value, input.createdAt);
  };
  add('num_requests_running', 'gauge', 'Number of requests in model execution batches.', s.running);
  add('num_requests_waiting', 'gauge', 'Number of requests waiting to be processed.', s.waiting);
  add('kv_cache_usage_perc', 'gauge', 'KV-cache usage. 1 means 100 percent usage.', s.kvUsage);
  add('prompt_tokens', 'counter', 'Number of prefill tokens processed.', s.promptTokensTotal);
  add('generation_tokens', 'counter', 'Number of generation tokens processed.', s.generationTokensTotal);
  if (s.prefixCache) {
    add(
      'prefix_cache_queries',
      'counter',
      'Prefix cache queries, in terms of number of queried tokens.',
      s.prefixCache.queries,
    );
    add(
      'prefix_cache_hits',
      'counter',
      'Prefix cache hits, in terms of number of cached tokens.',
      s.prefixCache.hits,
    );
  }
  pushHistogram(out, 'vllm:time_to_first_token_seconds', 'Histogram of time to first token in seconds.');
  out.push(input.ttft.render('vllm:time_to_first_token_seconds', labels));
  return `${out.join('\n')}\n`;
}

function renderSglang(input: MetricsInput): string {
  const { snapshot: s } = input;
  const labels = `model_name="${escapeLabel(input.model)}",tp_rank="0"`;
  const out: string[] = [];
  const add = (name: string, kind: Kind, help: string, value: number): void => {
    pushMetric(out, `sglang:${name}`, kind, help, labels, value, input.createdAt);
  };
  add('num_running_reqs', 'gauge', 'The number of running requests.', s.running);
  add('num_queue_reqs', 'gauge', 'The number of requests in the waiting queue.', s.waiting);
  add('num_used_tokens', 'gauge', 'The number of used tokens.', s.kvTokens);
  add('token_usage', 'gauge', 'The token usage.', s.kvUsage);
  add('max_running_requests', 'gauge', 'The maximum number of running requests.', input.maxNumSeqs);
  add('prompt_tokens', 'counter', 'Number of prefill tokens processed.', s.promptTokensTotal);
  add('generation_tokens', 'counter', 'Number of generation tokens processed.', s.generationTokensTotal);
  if (s.prefixCache)
    add('cache_hit_rate', 'gauge', 'The prefix cache hit rate.', s.prefixCache.recentHitRate);
  pushHistogram(out, 'sglang:time_to_first_token_seconds', 'Histogram of time to first token in seconds.');
  out.push(input.ttft.render('sglang:time_to_first_token_seconds', labels));
  return `${out.join('\n')}\n`;
}

function pushMetric(
  out: string[],
  name: string,
  kind: Kind,
  help: string,
  labels: string,
  value: number,
  createdAt: number,
): void {
  // prometheus_client names the family without `_total` in HELP/TYPE and adds it to the sample.
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${kind}`);
  if (kind === 'gauge') {
    out.push(`${name}{${labels}} ${promFloat(value)}`);
    return;
  }
  out.push(
    `${name}_total{${labels}} ${promFloat(value)}`,
    `${name}_created{${labels}} ${promFloat(createdAt)}`,
  );
}

function pushHistogram(out: string[], name: string, help: string): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
}

/** Label values escape backslash, double quote and newline per the exposition format. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

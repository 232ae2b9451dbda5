import { metricNameEnd, parseSampleLine } from './parse-prometheus.ts';

export type EngineKind = 'vllm' | 'sglang' | 'unknown';

/** Load of one inference engine as read from its /metrics page. */
export interface EngineLoad {
  engine: EngineKind;
  running: number;
  waiting: number;
  /** Fraction 0..1, null when the engine does not report it. */
  kvCacheUsage: number | null;
  promptTokens: number | null;
  generationTokens: number | null;
  /**
   * Sequences the engine runs at once, when it says so: SGLang's `sglang:max_running_requests` (one series
   * per data-parallel rank, each its share, so summed). vLLM exports no such gauge (`vllm:cache_config_info`
   * carries KV-cache sizes, not `max_num_seqs`), so for vLLM this is null and least-waiting learns it.
   */
  maxRunning: number | null;
  /**
   * Prefix-cache counters in prompt tokens, summed over data-parallel engines: tokens looked up and tokens
   * found cached. vLLM v1's `vllm:prefix_cache_queries_total` / `vllm:prefix_cache_hits_total` (or their
   * deprecated `vllm:gpu_prefix_cache_*_total` twins); null when the engine exports none.
   */
  prefixCacheQueries: number | null;
  prefixCacheHits: number | null;
  /**
   * A hit rate the engine computes itself (0..1, mean over series): SGLang's `sglang:cache_hit_rate`
   * (recent prefill batches), vLLM v0's `vllm:gpu_prefix_cache_hit_rate`; null when absent or negative
   * (vLLM v0 reports -1 with prefix caching off).
   */
  prefixCacheHitRate: number | null;
}

type Slot =
  | 'vllmRunning'
  | 'vllmWaiting'
  | 'vllmKv'
  | 'vllmKvOld'
  | 'vllmPrompt'
  | 'vllmGeneration'
  | 'sglangRunning'
  | 'sglangWaiting'
  | 'sglangKv'
  | 'sglangPrompt'
  | 'sglangGeneration'
  | 'sglangMaxRunning'
  | 'vllmPrefixQueries'
  | 'vllmPrefixHits'
  | 'vllmPrefixQueriesOld'
  | 'vllmPrefixHitsOld'
  | 'vllmPrefixHitRate'
  | 'sglangCacheHitRate'
  | 'genericRunning'
  | 'genericWaiting';

// Exact names, so histogram _bucket/_sum/_count and counter _created samples never match.
const SLOTS = new Map<string, Slot>([
  ['vllm:num_requests_running', 'vllmRunning'],
  ['vllm:num_requests_waiting', 'vllmWaiting'],
  ['vllm:kv_cache_usage_perc', 'vllmKv'],
  ['vllm:gpu_cache_usage_perc', 'vllmKvOld'],
  ['vllm:prompt_tokens_total', 'vllmPrompt'],
  ['vllm:generation_tokens_total', 'vllmGeneration'],
  ['sglang:num_running_reqs', 'sglangRunning'],
  ['sglang:num_queue_reqs', 'sglangWaiting'],
  ['sglang:token_usage', 'sglangKv'],
  ['sglang:prompt_tokens_total', 'sglangPrompt'],
  ['sglang:generation_tokens_total', 'sglangGeneration'],
  ['sglang:max_running_requests', 'sglangMaxRunning'],
  ['vllm:prefix_cache_queries_total', 'vllmPrefixQueries'],
  ['vllm:prefix_cache_hits_total', 'vllmPrefixHits'],
  ['vllm:gpu_prefix_cache_queries_total', 'vllmPrefixQueriesOld'],
  ['vllm:gpu_prefix_cache_hits_total', 'vllmPrefixHitsOld'],
  ['vllm:gpu_prefix_cache_hit_rate', 'vllmPrefixHitRate'],
  ['sglang:cache_hit_rate', 'sglangCacheHitRate'],
  ['num_requests_running', 'genericRunning'],
  ['num_requests_waiting', 'genericWaiting'],
]);

/** Per slot: sum of finite values, number of finite values, number of series seen. */
interface Acc {
  sum: number;
  finite: number;
  series: number;
}

/**
 * Read an engine's load from its Prometheus text (SPEC §8) in one pass that parses labels only for the
 * handful of series it needs (a vLLM page is 100+ KB, mostly histogram buckets).
 *
 * Every series of a metric is summed: vLLM labels data-parallel engines `engine="0"`, `engine="1"`...,
 * and SGLang exports one series per data-parallel scheduler (`tp_rank` of its attention-TP leader), so the
 * sum is the engine's total. KV-cache use is a fraction per series, so it is the mean instead, clamped to
 * 0..1, over the finite series (a NaN from one rank says "unknown", not "empty"). Non-finite values count
 * as 0 in sums.
 */
export function parseEngineLoad(text: string): EngineLoad {
  const acc = new Map<Slot, Acc>();
  let engine: EngineKind = 'unknown';
  let pos = 0;
  const length = text.length;
  while (pos < length) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = length;
    let i = pos;
    while (i < eol && (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09)) i++;
    const first = text.charCodeAt(i);
    // Only names starting with v, s or n can matter: skip python_gc_*, process_* and comments unsliced.
    if (i < eol && (first === 0x76 || first === 0x73 || first === 0x6e)) {
      if (engine === 'unknown') {
        if (text.startsWith('vllm:', i)) engine = 'vllm';
        else if (text.startsWith('sglang:', i)) engine = 'sglang';
      }
      const slot = SLOTS.get(text.slice(i, metricNameEnd(text, i, eol)));
      if (slot !== undefined) {
        const sample = parseSampleLine(text, pos, eol);
        if (sample !== null) add(acc, slot, sample.value);
      }
    }
    pos = eol + 1;
  }
  return {
    engine,
    running: pick(acc, engine, 'vllmRunning', 'sglangRunning', 'genericRunning'),
    waiting: pick(acc, engine, 'vllmWaiting', 'sglangWaiting', 'genericWaiting'),
    kvCacheUsage: kvCacheUsage(acc, engine),
    promptTokens: counter(acc, engine, 'vllmPrompt', 'sglangPrompt'),
    generationTokens: counter(acc, engine, 'vllmGeneration', 'sglangGeneration'),
    maxRunning: maxRunning(acc, engine),
    // vLLM 0.10 emits the deprecated gpu_ names beside the new ones; the new ones win.
    prefixCacheQueries: prefixCounter(acc, engine, 'vllmPrefixQueries', 'vllmPrefixQueriesOld'),
    prefixCacheHits: prefixCounter(acc, engine, 'vllmPrefixHits', 'vllmPrefixHitsOld'),
    prefixCacheHitRate: meanFraction(
      engine === 'vllm'
        ? acc.get('vllmPrefixHitRate')
        : engine === 'sglang'
          ? acc.get('sglangCacheHitRate')
          : undefined,
    ),
  };
}

function add(acc: Map<Slot, Acc>, slot: Slot, value: number): void {
  let a = acc.get(slot);
  if (a === undefined) {
    a = { sum: 0, finite: 0, series: 0 };
    acc.set(slot, a);
  }
  a.series++;
  if (Number.isFinite(value)) {
    a.sum += value;
    a.finite++;
  }
}

function enginePick(engine: EngineKind, vllm: Slot, sglang: Slot): Slot | undefined {
  switch (engine) {
    case 'vllm':
      return vllm;
    case 'sglang':
      return sglang;
    case 'unknown':
      return undefined;
  }
}

/**
 * The engine's own gauge when it has one, else the unprefixed generic name, else 0. A count is never
 * negative: a broken exporter's -1 must not make a backend look emptier than idle.
 */
function pick(acc: Map<Slot, Acc>, engine: EngineKind, vllm: Slot, sglang: Slot, generic: Slot): number {
  const own = enginePick(engine, vllm, sglang);
  const a = (own === undefined ? undefined : acc.get(own)) ?? acc.get(generic);
  return Math.max(0, a?.sum ?? 0);
}

function counter(acc: Map<Slot, Acc>, engine: EngineKind, vllm: Slot, sglang: Slot): number | null {
  const own = enginePick(engine, vllm, sglang);
  return (own === undefined ? undefined : acc.get(own)?.sum) ?? null;
}

/** A slot count of at least 1, or null: a 0, NaN or negative gauge is a broken exporter, not a full engine. */
function maxRunning(acc: Map<Slot, Acc>, engine: EngineKind): number | null {
  const a = engine === 'sglang' ? acc.get('sglangMaxRunning') : undefined;
  if (a === undefined || a.finite === 0 || !(a.sum >= 1)) return null;
  return Math.round(a.sum);
}

function kvCacheUsage(acc: Map<Slot, Acc>, engine: EngineKind): number | null {
  // vLLM renamed gpu_cache_usage_perc to kv_cache_usage_perc (0.10); versions in between emit both.
  const a =
    engine === 'vllm'
      ? (acc.get('vllmKv') ?? acc.get('vllmKvOld'))
      : engine === 'sglang'
        ? acc.get('sglangKv')
        : undefined;
  if (a === undefined || a.finite === 0) return null;
  return Math.min(1, Math.max(0, a.sum / a.finite));
}

function prefixCounter(acc: Map<Slot, Acc>, engine: EngineKind, current: Slot, old: Slot): number | null {
  if (engine !== 'vllm') return null;
  return (acc.get(current) ?? acc.get(old))?.sum ?? null;
}

/** Mean of a per-series fraction, clamped to 0..1; null when absent or negative (a "disabled" marker). */
function meanFraction(a: Acc | undefined): number | null {
  if (a === undefined || a.finite === 0) return null;
  const mean = a.sum / a.finite;
  return mean < 0 ? null : Math.min(1, mean);
}

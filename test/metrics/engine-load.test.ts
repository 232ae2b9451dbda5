import { describe, expect, it } from 'vitest';
import { parseEngineLoad } from '../../src/metrics/engine-load.ts';
import { metricsFixture } from './fixture.ts';

describe('parseEngineLoad', () => {
  it('reads a vLLM 0.6-era exposition (gpu_cache_usage_perc, model_name label)', () => {
    expect(parseEngineLoad(metricsFixture('vllm-0.6.txt'))).toEqual({
      engine: 'vllm',
      running: 14,
      waiting: 3,
      kvCacheUsage: 0.4273262234,
      promptTokens: 1_285_734,
      generationTokens: 482_117,
      maxRunning: null,
      // vLLM v0 reports its hit-rate gauge as -1 with prefix caching off.
      prefixCacheQueries: null,
      prefixCacheHits: null,
      prefixCacheHitRate: null,
    });
  });

  it('sums data-parallel engines of vLLM 0.10+ and averages their KV-cache use', () => {
    const load = parseEngineLoad(metricsFixture('vllm-0.10-dp2.txt'));
    expect(load).toEqual({
      engine: 'vllm',
      running: 78,
      waiting: 5,
      kvCacheUsage: expect.closeTo(0.67, 10),
      promptTokens: 48_213_000 + 46_002_113,
      generationTokens: 9_127_744 + 8_990_000,
      maxRunning: null,
      prefixCacheQueries: 4.8e7 + 4.6e7,
      prefixCacheHits: 2.1e7 + 1.9e7,
      prefixCacheHitRate: null,
    });
  });

  it('reads SGLang names across tp_rank series, the slot count summed over data-parallel ranks', () => {
    const load = parseEngineLoad(metricsFixture('sglang.txt'));
    expect(load).toEqual({
      engine: 'sglang',
      running: 41,
      waiting: 11,
      kvCacheUsage: expect.closeTo(0.48, 10),
      promptTokens: 29_877_133,
      generationTokens: 5_512_093,
      // 64 per rank (newer SGLang labels it with cap_source); max_running_requests_under_SLO is another gauge.
      maxRunning: 128,
      prefixCacheQueries: null,
      prefixCacheHits: null,
      prefixCacheHitRate: expect.closeTo((0.3117 + 0.2981) / 2, 10),
    });
  });

  it('falls back to unprefixed names for an unknown engine', () => {
    expect(parseEngineLoad(metricsFixture('generic.txt'))).toEqual({
      engine: 'unknown',
      running: 5,
      waiting: 1,
      kvCacheUsage: null,
      promptTokens: null,
      generationTokens: null,
      maxRunning: null,
      prefixCacheQueries: null,
      prefixCacheHits: null,
      prefixCacheHitRate: null,
    });
  });

  it('survives escaped labels, timestamps, NaN, infinities and malformed lines', () => {
    const expected = {
      engine: 'vllm',
      // 4 + 6.5 + NaN (counts as 0); the unprefixed 1000 is only a fallback.
      running: 10.5,
      // +Inf counts as 0; the line without a value, the unterminated label, the bad timestamp and hex are skipped.
      waiting: 2,
      // kv_cache_usage_perc wins over gpu_cache_usage_perc; mean of 1.2 and 0.9 (NaN skipped), clamped to 1.
      kvCacheUsage: 1,
      promptTokens: 1500,
      generationTokens: 7,
      maxRunning: null,
      prefixCacheQueries: null,
      prefixCacheHits: null,
      prefixCacheHitRate: null,
    };
    const text = metricsFixture('edge-cases.txt');
    expect(parseEngineLoad(text)).toEqual(expected);
    expect(parseEngineLoad(text.replace(/\n/g, '\r\n'))).toEqual(expected);
  });

  it('reports zero load and null optionals for an empty or unrelated page', () => {
    const empty = {
      engine: 'unknown',
      running: 0,
      waiting: 0,
      kvCacheUsage: null,
      promptTokens: null,
      generationTokens: null,
      maxRunning: null,
      prefixCacheQueries: null,
      prefixCacheHits: null,
      prefixCacheHitRate: null,
    };
    expect(parseEngineLoad('')).toEqual(empty);
    expect(parseEngineLoad('# HELP x\nprocess_open_fds 12\n')).toEqual(empty);
  });

  it('uses the older gpu_cache_usage_perc only when kv_cache_usage_perc is absent, and clamps below 0', () => {
    expect(parseEngineLoad('vllm:gpu_cache_usage_perc 0.25\n').kvCacheUsage).toBe(0.25);
    expect(parseEngineLoad('vllm:kv_cache_usage_perc -0.1\n').kvCacheUsage).toBe(0);
    expect(parseEngineLoad('vllm:kv_cache_usage_perc NaN\n').kvCacheUsage).toBeNull();
  });

  it('takes a slot count only from SGLang, and only a positive one', () => {
    expect(parseEngineLoad('sglang:max_running_requests{name="m"} 48\n').maxRunning).toBe(48);
    expect(
      parseEngineLoad('sglang:max_running_requests 0\nsglang:num_running_reqs 1\n').maxRunning,
    ).toBeNull();
    expect(parseEngineLoad('sglang:max_running_requests NaN\n').maxRunning).toBeNull();
    // A vLLM page that carried such a name (it does not) would not be read as SGLang's.
    expect(
      parseEngineLoad('vllm:num_requests_running 1\nsglang:max_running_requests 9\n').maxRunning,
    ).toBeNull();
  });

  it('reads prefix-cache counters (new names over the deprecated gpu_ ones) and hit-rate gauges', () => {
    const both = parseEngineLoad(
      [
        'vllm:gpu_prefix_cache_queries_total{engine="0"} 900',
        'vllm:gpu_prefix_cache_hits_total{engine="0"} 100',
        'vllm:prefix_cache_queries_total{engine="0"} 1000',
        'vllm:prefix_cache_queries_created{engine="0"} 1.7e9',
        'vllm:prefix_cache_hits_total{engine="0"} 400',
        '',
      ].join('\n'),
    );
    expect(both).toMatchObject({ prefixCacheQueries: 1000, prefixCacheHits: 400, prefixCacheHitRate: null });
    const old = parseEngineLoad(
      'vllm:gpu_prefix_cache_queries_total 90\nvllm:gpu_prefix_cache_hits_total 30\nvllm:gpu_prefix_cache_hit_rate 0.5\n',
    );
    expect(old).toMatchObject({ prefixCacheQueries: 90, prefixCacheHits: 30, prefixCacheHitRate: 0.5 });
    // SGLang reports no counters, only its gauge; another engine's names are not read as its own.
    expect(parseEngineLoad('sglang:cache_hit_rate 0.75\nvllm:prefix_cache_hits_total 5\n')).toMatchObject({
      prefixCacheQueries: null,
      prefixCacheHits: null,
      prefixCacheHitRate: 0.75,
    });
  });

  it('never reports a negative queue or running count', () => {
    const load = parseEngineLoad('vllm:num_requests_waiting -3\nvllm:num_requests_running -1\n');
    expect(load).toMatchObject({ waiting: 0, running: 0 });
  });

  it('ignores histogram and _created series that share a prefix with the gauges', () => {
    const text = [
      'vllm:num_requests_running_bucket{le="+Inf"} 99',
      'vllm:num_requests_running_sum 99',
      'vllm:num_requests_running_count 99',
      'vllm:prompt_tokens_created 1.7e9',
      'vllm:prompt_tokens_total_bucket{le="1"} 5',
      'vllm:num_requests_running 2',
    ].join('\n');
    expect(parseEngineLoad(text)).toMatchObject({ running: 2, promptTokens: null });
  });

  it('prefers the engine names over the generic fallback for SGLang too', () => {
    const load = parseEngineLoad(
      'num_requests_running 50\nsglang:num_running_reqs 3\nnum_requests_waiting 9\n',
    );
    expect(load).toMatchObject({ engine: 'sglang', running: 3, waiting: 9 });
  });
});

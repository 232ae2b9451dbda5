import type { EngineLoad } from '../../src/index.ts';

/** An idle vLLM engine's load (every counter 0, no prefix-cache counters) with `over` applied. */
export function engineLoadOf(over: Partial<EngineLoad> = {}): EngineLoad {
  return {
    engine: 'vllm',
    running: 0,
    waiting: 0,
    kvCacheUsage: 0,
    promptTokens: 0,
    generationTokens: 0,
    maxRunning: null,
    prefixCacheQueries: null,
    prefixCacheHits: null,
    prefixCacheHitRate: null,
    ...over,
  };
}

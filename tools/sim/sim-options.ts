/** Engine flavour: decides `/metrics` names and `owned_by` in `/v1/models`. */
export type SimEngineKind = 'vllm' | 'sglang';

/** Fault injection knobs; every one is off by default so a plain sim behaves like a healthy engine. */
export interface SimFaults {
  /** Probability (0..1) that a /v1 POST answers `errorStatus`. */
  errorRate: number;
  errorStatus: number;
  /** Probability (0..1) that a /v1 POST answers 429 with `Retry-After: retryAfterSeconds`. */
  rateLimitRate: number;
  retryAfterSeconds: number;
  /** Probability (0..1) that a /v1 POST never answers until the client goes away. */
  hangRate: number;
  /** Extra delay before any /v1 response (headers included), to exercise client timeouts. */
  slowFirstByteMs: number;
  /** Probability (0..1) that a stream's socket is destroyed after `dropAfterTokens` tokens. */
  dropMidStreamRate: number;
  dropAfterTokens: number;
  /** `/v1/models` stays 200 while every inference POST answers 500 (probe says healthy, traffic fails). */
  failInferenceOnly: boolean;
  /** When set, `/v1/models` answers this status. */
  modelsStatus?: number;
  /** When > 0, `/v1/models` alternates 200 / 503 every period (flapping health). */
  flapPeriodMs: number;
}

export interface SimOptions {
  host: string;
  /** 0 picks an ephemeral port. */
  port: number;
  engine: SimEngineKind;
  models: string[];
  /** When set, every /v1 route requires `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Base time to first token, measured from admission to the running set. */
  ttftMs: number;
  /** Extra TTFT per prompt token (prefill cost). */
  prefillMsPerToken: number;
  /** Decode rate of one sequence. */
  tokensPerSecond: number;
  /** Multiplier on prefill and decode speed: 1 nominal, 0.33 three times slower. */
  speed: number;
  /** Output length when the request names neither `max_tokens` nor `max_completion_tokens`. */
  defaultMaxTokens: number;
  /** Concurrency cap; further requests wait in a FIFO queue (vLLM's `--max-num-seqs`). */
  maxNumSeqs: number;
  /** KV usage = tokens held by running sequences / this capacity. */
  kvCapacityTokens: number;
  /** Automatic prefix caching: an LRU of prompt blocks holding this many tokens; 0 = off (the default). */
  prefixCacheTokens: number;
  embeddingDim: number;
  keepAliveTimeoutMs: number;
  faults: SimFaults;
}

export function defaultSimFaults(): SimFaults {
  return {
    errorRate: 0,
    errorStatus: 500,
    rateLimitRate: 0,
    retryAfterSeconds: 1,
    hangRate: 0,
    slowFirstByteMs: 0,
    dropMidStreamRate: 0,
    dropAfterTokens: 3,
    failInferenceOnly: false,
    flapPeriodMs: 0,
  };
}

/**
 * What callers pass: every field optional, and `faults` may be partial too. Any `Partial<SimOptions>` is
 * assignable to it, so it is a strict widening of that shape.
 */
export type SimOptionsInput = Partial<Omit<SimOptions, 'faults'>> & { faults?: Partial<SimFaults> };

/** Fills defaults; faults are merged field by field so `{ faults: { errorRate: 1 } }` keeps the rest off. */
export function resolveSimOptions(partial: SimOptionsInput): SimOptions {
  const faults: SimFaults = { ...defaultSimFaults(), ...stripUndefined(partial.faults ?? {}) };
  const resolved: SimOptions = {
    host: partial.host ?? '127.0.0.1',
    port: partial.port ?? 0,
    engine: partial.engine ?? 'vllm',
    models: partial.models && partial.models.length > 0 ? [...partial.models] : ['demo-model'],
    ttftMs: partial.ttftMs ?? 80,
    prefillMsPerToken: partial.prefillMsPerToken ?? 0.02,
    tokensPerSecond: partial.tokensPerSecond ?? 40,
    speed: partial.speed ?? 1,
    defaultMaxTokens: partial.defaultMaxTokens ?? 32,
    maxNumSeqs: partial.maxNumSeqs ?? 256,
    kvCapacityTokens: partial.kvCapacityTokens ?? 200_000,
    prefixCacheTokens: partial.prefixCacheTokens ?? 0,
    embeddingDim: partial.embeddingDim ?? 8,
    keepAliveTimeoutMs: partial.keepAliveTimeoutMs ?? 5000,
    faults,
  };
  if (partial.apiKey !== undefined && partial.apiKey !== '') resolved.apiKey = partial.apiKey;
  validateSimOptions(resolved);
  return resolved;
}

/** Fails fast on values that would make the scheduler divide by zero or stall forever. */
function validateSimOptions(o: SimOptions): void {
  const positive: Array<[string, number]> = [
    ['tokensPerSecond', o.tokensPerSecond],
    ['speed', o.speed],
    ['maxNumSeqs', o.maxNumSeqs],
    ['kvCapacityTokens', o.kvCapacityTokens],
    ['embeddingDim', o.embeddingDim],
  ];
  for (const [name, value] of positive) {
    if (!Number.isFinite(value) || value <= 0)
      throw new RangeError(`sim: ${name} must be > 0 (got ${value})`);
  }
  const nonNegative: Array<[string, number]> = [
    ['ttftMs', o.ttftMs],
    ['prefillMsPerToken', o.prefillMsPerToken],
    ['defaultMaxTokens', o.defaultMaxTokens],
    ['keepAliveTimeoutMs', o.keepAliveTimeoutMs],
    ['prefixCacheTokens', o.prefixCacheTokens],
  ];
  for (const [name, value] of nonNegative) {
    if (!Number.isFinite(value) || value < 0)
      throw new RangeError(`sim: ${name} must be >= 0 (got ${value})`);
  }
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) {
    throw new RangeError(`sim: port must be an integer in 0..65535 (got ${o.port})`);
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(value) as Array<keyof T>) {
    if (value[key] !== undefined) out[key] = value[key];
  }
  return out;
}

/** Merges a partial fault update into live faults (used by `setFaults`). */
export function mergeFaults(target: SimFaults, update: Partial<SimFaults>): void {
  Object.assign(target, stripUndefined(update));
  if ('modelsStatus' in update && update.modelsStatus === undefined) delete target.modelsStatus;
}

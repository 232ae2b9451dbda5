import { createSeededRandom } from '../../src/index.ts';
import {
  createRequestTarget,
  epochNow,
  LoadGenerator,
  RequestSource,
  requestHeaders,
} from '../../tools/bench/index.ts';

export interface RequestRecord {
  /** `performance.now()` when the request was sent (open loop: on schedule, not when a slot freed up). */
  readonly at: number;
  readonly ms: number;
  /** HTTP status, or 0 for a network error. */
  readonly status: number;
  /** Error kind and message (`http_502: all retries exhausted`), null for a success. */
  readonly error: string | null;
}

export interface OpenLoop {
  /** Stop issuing; resolves once every request already sent has finished. */
  stop(): Promise<RequestRecord[]>;
}

/**
 * Open-loop load from the product's load generator (tools/bench): short non-streaming chat requests at a
 * constant rate, whatever happened to earlier ones, so a slow or failing router cannot throttle its own
 * offered load. Every request is kept (the failover phases are cut from them by time).
 */
export function startOpenLoop(options: {
  url: string;
  model: string;
  rate: number;
  maxTokens: number;
}): OpenLoop {
  const shape = {
    endpoint: 'chat' as const,
    stream: false,
    maxTokens: { min: options.maxTokens, max: options.maxTokens },
    promptTokens: { min: 1, max: 1 },
    dataset: null,
    apiKey: null,
    headers: [],
    timeoutS: 30,
  };
  const owned = createRequestTarget({
    url: options.url,
    connections: null,
    timeoutMs: shape.timeoutS * 1000,
    headers: requestHeaders({ stream: false, apiKey: null, extra: [] }),
  });
  const random = createSeededRandom(1);
  const records: RequestRecord[] = [];
  const generator = new LoadGenerator({
    target: owned.target,
    source: new RequestSource({
      shape,
      model: options.model,
      pathPrefix: owned.pathPrefix,
      dataset: null,
      sample: false,
      random,
      offset: 0,
    }),
    plan: {
      shape: { kind: 'open', rate: options.rate, arrival: 'constant' },
      requests: null,
      durationMs: null,
      rampUpMs: 0,
      warmupMs: 0,
      arrivalOffsetMs: 0,
    },
    random,
    now: epochNow,
    onResult: (result) => {
      records.push({
        at: result.startedAt - performance.timeOrigin,
        ms: result.latencyMs,
        status: result.status,
        error: result.errorKind === null ? null : `${result.errorKind}: ${result.error ?? ''}`,
      });
    },
  });
  const running = generator.run();
  return {
    async stop() {
      generator.finish();
      await running;
      await owned.close();
      return records.sort((a, b) => a.at - b.at);
    },
  };
}

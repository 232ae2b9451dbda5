import { createSeededRandom } from '../../src/core/random.ts';
import { LATENCY_BUCKETS } from '../../src/metrics/histogram.ts';
import type { BackendChange } from '../../src/notify/health-batch.ts';
import type { Backend } from '../../src/pool/backend.ts';
import { PoolSnapshot } from '../../src/pool/pool-snapshot.ts';
import { MemoryRouterState } from '../../src/state/memory-router-state.ts';
import type { BackendLiveView, StateView } from '../../src/state/router-state.ts';
import { policyOf } from '../support/state-policy.ts';

export const AT = Date.UTC(2026, 11, 5, 10, 2, 0);

export function backend(model: string, apiBase: string, apiKey = 'sk-never-in-a-message'): Backend {
  return {
    id: `${model}@${apiBase}`,
    modelName: model,
    apiBase,
    upstreamModel: model,
    rewriteModel: false,
    apiKey,
    weight: 1,
    sourceType: 'self_deployed',
    rpmLimit: null,
    maxConcurrency: null,
    maxNumSeqs: null,
    supportsVision: false,
    scrapeMetrics: true,
    metricsUrl: apiBase.replace(/\/v1$/, '/metrics'),
    file: 'configs/self_deployed_config.yaml',
  };
}

export function change(
  b: Backend,
  kind: BackendChange['kind'],
  extra: Partial<BackendChange> = {},
): BackendChange {
  return {
    id: b.id,
    model: b.modelName,
    apiBase: b.apiBase,
    firstAt: AT - 50_000,
    healthy: kind === 'recovered' || kind === 'blip',
    sawDown: true,
    sawUp: kind !== 'down',
    transitions: kind === 'down' ? 1 : 2,
    downAt: AT - 50_000,
    upAt: kind === 'down' ? null : AT - 20_000,
    reason: 'probe: GET /models answered 503',
    cause: 'probe',
    kind,
    downSince: kind === 'recovered' ? AT - 600_000 : null,
    ...extra,
  };
}

/** A freshly registered, probed-healthy backend's view as the real state builds it, with `fields` over it. */
export function live(id: string, fields: Partial<BackendLiveView> = {}): BackendLiveView {
  const state = new MemoryRouterState(createSeededRandom(1));
  state.register('m', [{ id, healthy: true }]);
  state.applyProbe({ model: 'm', id, ok: true, reason: 'ok', now: 0, policy: policyOf() });
  return { ...state.view(0).backends[0]!, lastChangeAt: 0, ...fields };
}

/** A histogram's cumulative counts for `count` observations at each of the given seconds. */
export function cumulative(observations: readonly [seconds: number, count: number][]): number[] {
  const counts = new Array(LATENCY_BUCKETS.length + 1).fill(0);
  for (const [seconds, count] of observations) {
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > (LATENCY_BUCKETS[i] ?? 0)) i++;
    counts[i] += count;
  }
  let running = 0;
  return counts.map((c: number) => {
    running += c;
    return running;
  });
}

export function view(backends: BackendLiveView[], totals: Partial<StateView['totals']> = {}): StateView {
  return {
    backends,
    totals: {
      requests: 0,
      successes: 0,
      failures: 0,
      clientErrors: 0,
      rejected: 0,
      clientGone: 0,
      attempts: 0,
      latencyBuckets: LATENCY_BUCKETS,
      latencyCumulative: cumulative([]),
      latencySum: 0,
      ttftCumulative: cumulative([]),
      ttftSum: 0,
      ttftCount: 0,
      ...totals,
    },
  };
}

export function pool(backends: Backend[]): PoolSnapshot {
  return new PoolSnapshot(backends);
}

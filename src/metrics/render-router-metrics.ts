import type { PoolSnapshot } from '../pool/pool-snapshot.ts';
import type { BackendProfile } from '../routing/backend-profile.ts';
import { ATTEMPT_ERROR_KINDS } from '../state/attempt-error-kind.ts';
import type { PrefixIndexView, StateView } from '../state/router-state.ts';
import { backendProfiles } from './backend-profiles.ts';

/** Prometheus label value escaping (exposition format 0.0.4). */
function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/**
 * The router's own /metrics: request totals, latency/TTFT histograms, per-backend live state. Label
 * values come from config (backend id, model, source) or closed lists (outcome, error kind), never from
 * a client, so the series count is bounded by the config.
 */
export function renderRouterMetrics(
  view: StateView,
  snapshot: PoolSnapshot,
  routerInflight: number,
  now: number,
): string {
  const { totals } = view;
  const lines: string[] = [];
  const metric = (name: string, type: string, help: string) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };

  metric('llm_router_requests_total', 'counter', 'Client requests by outcome.');
  for (const [outcome, value] of [
    ['success', totals.successes],
    ['failure', totals.failures],
    ['client_error', totals.clientErrors],
    ['rejected', totals.rejected],
    ['client_gone', totals.clientGone],
  ] as const) {
    lines.push(`llm_router_requests_total{outcome="${outcome}"} ${value}`);
  }
  metric('llm_router_inflight_requests', 'gauge', 'Client requests currently open on this router.');
  lines.push(`llm_router_inflight_requests ${routerInflight}`);
  if (view.store) {
    metric(
      'llm_router_state_degraded',
      'gauge',
      'The shared state store did not answer: this replica serves on its own state (1) or not (0).',
    );
    lines.push(
      `llm_router_state_degraded{store="${label(view.store.store)}"} ${view.store.degraded ? 1 : 0}`,
    );
    metric('llm_router_state_replicas', 'gauge', 'Replicas sharing the state store, as last seen.');
    lines.push(`llm_router_state_replicas{store="${label(view.store.store)}"} ${view.store.replicas}`);
  }

  const histogram = (name: string, help: string, cumulative: readonly number[], sum: number) => {
    metric(name, 'histogram', help);
    totals.latencyBuckets.forEach((bound, i) => {
      lines.push(`${name}_bucket{le="${bound}"} ${cumulative[i] ?? 0}`);
    });
    const count = cumulative[cumulative.length - 1] ?? 0;
    lines.push(`${name}_bucket{le="+Inf"} ${count}`, `${name}_sum ${sum}`, `${name}_count ${count}`);
  };
  histogram(
    'llm_router_request_duration_seconds',
    'Client request latency.',
    totals.latencyCumulative,
    totals.latencySum,
  );
  histogram(
    'llm_router_time_to_first_byte_seconds',
    'Time to first upstream body byte.',
    totals.ttftCumulative,
    totals.ttftSum,
  );

  const perBackend: ReadonlyArray<[string, string, string, (b: StateView['backends'][number]) => number]> = [
    ['llm_router_backend_up', 'gauge', 'Backend healthy (1) or not (0).', (b) => (b.healthy ? 1 : 0)],
    ['llm_router_backend_inflight', 'gauge', 'Open requests to the backend.', (b) => b.inflight],
    [
      'llm_router_backend_pending',
      'gauge',
      'Open requests to the backend still waiting for the first byte.',
      (b) => b.pending,
    ],
    [
      'llm_router_backend_rate_limited',
      'gauge',
      'Backend held back by an upstream 429 (1) or not (0).',
      (b) => (b.holdUntil > now ? 1 : 0),
    ],
    ['llm_router_backend_send_rpm', 'gauge', 'Attempts sent in the last 60 s.', (b) => b.sendRpm],
    [
      'llm_router_backend_completion_rpm',
      'gauge',
      'Successful completions in the last 60 s.',
      (b) => b.completionRpm,
    ],
    ['llm_router_backend_attempts_total', 'counter', 'Attempts sent to the backend.', (b) => b.attempts],
    [
      'llm_router_backend_failures_total',
      'counter',
      'Failed attempts (5xx, network, timeout).',
      (b) => b.failures,
    ],
    ['llm_router_backend_engine_waiting', 'gauge', 'Engine-reported queue.', (b) => b.load?.waiting ?? 0],
    [
      'llm_router_backend_engine_running',
      'gauge',
      'Engine-reported running requests.',
      (b) => b.load?.running ?? 0,
    ],
  ];
  const labelsOf = new Map<string, string>();
  for (const backend of view.backends) {
    const config = snapshot.get(backend.id);
    if (config)
      labelsOf.set(
        backend.id,
        `backend="${label(backend.id)}",model="${label(config.modelName)}",source="${label(config.sourceType)}"`,
      );
  }
  for (const [name, type, help, read] of perBackend) {
    metric(name, type, help);
    for (const backend of view.backends) {
      const labels = labelsOf.get(backend.id);
      if (labels) lines.push(`${name}{${labels}} ${read(backend)}`);
    }
  }
  metric(
    'llm_router_backend_errors_total',
    'counter',
    'Unsuccessful attempts by kind (timeout, connect, reset, status_5xx, credentials, stream_broken, rate_limited, client_error).',
  );
  for (const backend of view.backends) {
    const labels = labelsOf.get(backend.id);
    if (!labels) continue;
    for (const kind of ATTEMPT_ERROR_KINDS)
      lines.push(
        `llm_router_backend_errors_total{${labels},kind="${kind}"} ${backend.window.errorsTotal[kind]}`,
      );
  }
  const profiles = backendProfiles(view, snapshot);
  const profiled = (name: string, help: string, read: (p: BackendProfile) => [string, number]) => {
    metric(name, 'gauge', help);
    for (const backend of snapshot.backends) {
      const profile = profiles.get(backend.id);
      if (!profile) continue;
      const [source, value] = read(profile);
      lines.push(
        `${name}{backend="${label(backend.id)}",model="${label(backend.modelName)}",source="${label(backend.sourceType)}",${source}} ${value}`,
      );
    }
  };
  profiled(
    'llm_router_backend_capacity',
    'Engine slots least-waiting assumes; capacity_source: configured (max_num_seqs), reported (engine gauge), learned (plateau), unknown (typical of the model).',
    (p) => [`capacity_source="${p.capacitySource}"`, p.capacity],
  );
  profiled(
    'llm_router_backend_relative_speed',
    "Speed relative to the model's typical backend (2 = twice as fast); speed_source: learned (its requests), reported (engine token rate), unknown (typical).",
    (p) => [`speed_source="${p.speedSource}"`, Math.round(p.relativeSpeed * 1000) / 1000],
  );
  metric(
    'llm_router_backend_prefix_cache_hit_ratio',
    'gauge',
    "Engine's prefix-cache hit rate over the last minute (vLLM prefix_cache_hits/queries, SGLang cache_hit_rate); absent when not reported.",
  );
  for (const backend of view.backends) {
    const labels = labelsOf.get(backend.id);
    const rate = backend.prefixCacheHitRate;
    if (labels && rate !== null && rate !== undefined)
      lines.push(
        `llm_router_backend_prefix_cache_hit_ratio{${labels}} ${Math.round(rate * 10_000) / 10_000}`,
      );
  }
  const indexes = view.prefixIndexes ?? [];
  for (const [name, help, read] of [
    [
      'llm_router_prefix_index_entries',
      'Entries (block x backend) in the model cache-aware prefix index.',
      (i: PrefixIndexView) => i.entries,
    ],
    [
      'llm_router_prefix_index_capacity',
      'Cap of the prefix index (routing.cache_aware.max_blocks).',
      (i: PrefixIndexView) => i.capacity,
    ],
    [
      'llm_router_prefix_index_bytes',
      'Memory the prefix index holds (estimated).',
      (i: PrefixIndexView) => i.bytes,
    ],
  ] as const) {
    metric(name, 'gauge', help);
    for (const index of indexes) lines.push(`${name}{model="${label(index.model)}"} ${read(index)}`);
  }
  metric('llm_router_backend_rpm_limit', 'gauge', 'Configured RPM limit (absent = unlimited).');
  for (const backend of snapshot.backends) {
    if (backend.rpmLimit !== null)
      lines.push(`llm_router_backend_rpm_limit{backend="${label(backend.id)}"} ${backend.rpmLimit}`);
  }
  return `${lines.join('\n')}\n`;
}

import type { PoolSnapshot } from '../pool/pool-snapshot.ts';
import type { BackendProfile } from '../routing/backend-profile.ts';
import { type AttemptWindowView, WINDOW_MS } from '../state/attempt-window.ts';
import type { BackendLiveView, PrefixIndexView, StateView } from '../state/router-state.ts';
import { backendProfiles } from './backend-profiles.ts';
import { latencySummary } from './latency-summary.ts';

/** Process facts only the adapter can read (memory on Node; nothing on Workers). */
export interface SystemInfo {
  readonly memoryMb: number | null;
  readonly runtime: string;
  readonly version: string;
}

interface Load {
  total: number;
  healthy: number;
  conns: number;
  pending: number;
  send_rpm: number;
  comp_rpm: number;
  running: number;
  waiting: number;
  completed: number;
}

const emptyLoad = (): Load => ({
  total: 0,
  healthy: 0,
  conns: 0,
  pending: 0,
  send_rpm: 0,
  comp_rpm: 0,
  running: 0,
  waiting: 0,
  completed: 0,
});

function addTo(load: Load, live: BackendLiveView | undefined): void {
  load.total++;
  if (!live) return;
  if (live.healthy) load.healthy++;
  load.conns += live.inflight;
  load.pending += live.pending;
  load.send_rpm += live.sendRpm;
  load.comp_rpm += live.completionRpm;
  load.running += live.load?.running ?? 0;
  load.waiting += live.load?.waiting ?? 0;
  load.completed += live.successes;
}

/**
 * `GET /api/dashboard` in the Go router's shapes (existing tools read them), plus our fields (breaker,
 * limiter hold, recent errors, and per backend, per model and in total the last 60 s of TTFT and
 * latency percentiles, output tokens/s and errors by kind). Never contains an api_key.
 */
export function dashboardData(input: {
  view: StateView;
  snapshot: PoolSnapshot;
  /** `Clock.now()` of this view. */
  now: number;
  /** The wall clock at the same moment: timestamps are shown as wall-clock dates. */
  wallNow: number;
  startedAt: number;
  strategy: string;
  system: SystemInfo;
  /** dashboard.refresh_interval: how often the pages poll. */
  refreshIntervalMs: number;
  /** Client requests open on this router right now. */
  inflight: number;
}) {
  const { view, snapshot, now } = input;
  const iso = (at: number) => new Date(input.wallNow + (at - now)).toISOString();
  const live = new Map(view.backends.map((b) => [b.id, b]));
  const indexes = new Map((view.prefixIndexes ?? []).map((index) => [index.model, index]));
  const profiles = backendProfiles(view, snapshot);
  const bySource = new Map<string, Load>();
  const byModel = new Map<string, Load>();
  const windowsByModel = new Map<string, AttemptWindowView[]>();
  const windows: AttemptWindowView[] = [];
  const backends = snapshot.backends.map((backend) => {
    const state = live.get(backend.id);
    const source = bySource.get(backend.sourceType) ?? emptyLoad();
    bySource.set(backend.sourceType, source);
    addTo(source, state);
    const model = byModel.get(backend.modelName) ?? emptyLoad();
    byModel.set(backend.modelName, model);
    addTo(model, state);
    if (state) {
      windows.push(state.window);
      const modelWindows = windowsByModel.get(backend.modelName) ?? [];
      windowsByModel.set(backend.modelName, modelWindows);
      modelWindows.push(state.window);
    }
    const kv = state?.load?.kvCacheUsage;
    return {
      id: backend.id,
      model_name: backend.modelName,
      api_base: backend.apiBase,
      healthy: state?.healthy ?? false,
      engine: state?.load?.engine ?? 'unknown',
      source_type: backend.sourceType,
      weight: backend.weight,
      connections: state?.inflight ?? 0,
      pending: state?.pending ?? 0,
      send_rpm: state?.sendRpm ?? 0,
      comp_rpm: state?.completionRpm ?? 0,
      rpm_limit: backend.rpmLimit,
      max_concurrency: backend.maxConcurrency,
      running: state?.load?.running ?? 0,
      waiting: state?.load?.waiting ?? 0,
      gpu_cache: kv === null || kv === undefined ? 0 : Math.round(kv * 1000) / 10,
      /** The engine's prefix-cache hit rate over the last minute, percent; null when it reports none. */
      prefix_cache_hit_rate: percentOrNull(state?.prefixCacheHitRate),
      prompt_tokens: state?.load?.promptTokens ?? 0,
      generation_tokens: state?.load?.generationTokens ?? 0,
      total_requests: state?.attempts ?? 0,
      completed: state?.successes ?? 0,
      failures: state?.failures ?? 0,
      ejected: state?.ejected ?? false,
      probed: state?.probed ?? false,
      consecutive_failures: state?.consecutiveFailures ?? 0,
      rate_limited_until: state && state.holdUntil > now ? iso(state.holdUntil) : null,
      metrics_age_ms: state?.load ? now - state.loadAt : null,
      last_error: state?.lastError ?? null,
      last_error_at: state?.lastErrorAt ? iso(state.lastErrorAt) : null,
      ...latencySummary(state ? [state.window] : []),
      ...profileFields(profiles.get(backend.id)),
    };
  });
  const { totals } = view;
  const finished = totals.successes + totals.failures;
  const uptimeSeconds = Math.floor((now - input.startedAt) / 1000);
  return {
    system: {
      uptime_seconds: uptimeSeconds,
      uptime: formatDuration(uptimeSeconds),
      memory_mb: input.system.memoryMb,
      time: new Date(input.wallNow).toISOString(),
      runtime: input.system.runtime,
      version: input.system.version,
      strategy: input.strategy,
      refresh_interval_ms: input.refreshIntervalMs,
      ...(view.store
        ? {
            state: {
              store: view.store.store,
              status: view.store.degraded ? 'degraded' : 'shared',
              degraded_since: view.store.degradedSince === null ? null : iso(view.store.degradedSince),
              replicas: view.store.replicas,
            },
          }
        : {}),
    },
    requests: {
      total: totals.requests,
      success: totals.successes,
      failures: totals.failures,
      client_errors: totals.clientErrors,
      rejected: totals.rejected,
      inflight: input.inflight,
      success_rate: finished === 0 ? 100 : Math.round((totals.successes / finished) * 10_000) / 100,
    },
    summary: [...bySource].map(([source_type, load]) => ({ source_type, ...load })),
    models: [...byModel].map(([name, load]) => ({
      name,
      healthy: load.healthy,
      total: load.total,
      running: load.running,
      waiting: load.waiting,
      comp_rpm: load.comp_rpm,
      completed: load.completed,
      ...latencySummary(windowsByModel.get(name) ?? []),
      /** cache-aware's prefix index of the model (null until one is used): entries against the cap. */
      prefix_index: prefixIndexOf(indexes.get(name)),
    })),
    /** Every backend's last 60 s together (the per-backend and per-model fields use the same window). */
    latency: { window_seconds: WINDOW_MS / 1000, ...latencySummary(windows) },
    backends,
    recent_errors: backends
      .filter((b) => b.last_error !== null)
      .map((b) => ({ backend: b.id, error: b.last_error, at: b.last_error_at }))
      .sort((a, b) => String(b.at).localeCompare(String(a.at)))
      .slice(0, 20),
  };
}

export type DashboardData = ReturnType<typeof dashboardData>;

/**
 * least-waiting's view of the backend (docs/routing.md): slots (`capacity`, from `configured`
 * max_num_seqs, `reported` by the engine, `learned` from its plateau, or `unknown` = its peers' typical
 * value) and speed relative to the model's typical backend (`learned` from its requests, `reported` by
 * its engine's token rate, or `unknown` = taken as typical), with the times it assumes.
 */
function profileFields(profile: BackendProfile | undefined) {
  return {
    capacity: profile?.capacity ?? null,
    capacity_source: profile?.capacitySource ?? 'unknown',
    relative_speed: profile === undefined ? null : Math.round(profile.relativeSpeed * 100) / 100,
    speed_source: profile?.speedSource ?? 'unknown',
    first_token_ms: profile === undefined ? null : Math.round(profile.firstTokenMs),
    service_ms: profile === undefined ? null : Math.round(profile.serviceMs),
  };
}

function percentOrNull(fraction: number | null | undefined): number | null {
  return fraction === null || fraction === undefined ? null : Math.round(fraction * 1000) / 10;
}

function prefixIndexOf(index: PrefixIndexView | undefined) {
  return index === undefined
    ? null
    : { entries: index.entries, capacity: index.capacity, bytes: index.bytes };
}

function formatDuration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${d > 0 ? `${d}d ` : ''}${h}h ${m}m ${s}s`;
}

import type { PoolSnapshot } from '../pool/pool-snapshot.ts';
import type { BackendLiveView, RequestTotals, StateView } from '../state/router-state.ts';

interface BackendCounters {
  readonly attempts: number;
  readonly failures: number;
  readonly rateLimited: number;
}

/** The counters at the last report, so the next one shows what happened since (plain JSON). */
export interface ReportBaseline {
  readonly totals: RequestTotals;
  readonly backends: Readonly<Record<string, BackendCounters>>;
}

export interface RequestStats {
  readonly requests: number;
  readonly successes: number;
  readonly failures: number;
  /** successes ÷ (successes + failures) in percent, as `/api/dashboard` counts it; null without either. */
  readonly successRate: number | null;
  readonly latencyP50Ms: number | null;
  readonly latencyP99Ms: number | null;
  readonly ttftP50Ms: number | null;
  readonly ttftP99Ms: number | null;
  /** Non-zero error counts by kind, largest first. */
  readonly errorKinds: readonly { readonly kind: string; readonly count: number }[];
}

export interface BackendStats {
  readonly id: string;
  readonly model: string;
  readonly apiBase: string;
  readonly healthy: boolean;
  readonly attempts: number;
  readonly failures: number;
  readonly lastError: string | null;
}

export function baselineOf(view: StateView): ReportBaseline {
  const backends: Record<string, BackendCounters> = {};
  for (const b of view.backends)
    backends[b.id] = { attempts: b.attempts, failures: b.failures, rateLimited: b.rateLimited };
  return { totals: view.totals, backends };
}

/**
 * Request statistics since `baseline` (all of them without one). A state that restarted since (Workers:
 * an evicted object) has counters below the baseline: then what it counted since its restart is used.
 */
export function requestStats(view: StateView, baseline: ReportBaseline | null): RequestStats {
  const now = view.totals;
  const base = baseline && baseline.totals.requests <= now.requests ? baseline.totals : null;
  const d = (pick: (t: RequestTotals) => number) => pick(now) - (base ? pick(base) : 0);
  const successes = d((t) => t.successes);
  const failures = d((t) => t.failures);
  let attemptFailures = 0;
  let rateLimited = 0;
  for (const backend of view.backends) {
    const before = counters(backend, baseline);
    attemptFailures += backend.failures - before.failures;
    rateLimited += backend.rateLimited - before.rateLimited;
  }
  const kinds: [string, number][] = [
    ['router 5xx (no healthy backend, retries exhausted)', failures],
    ['upstream attempt failures (5xx, network, timeout; retried)', attemptFailures],
    ['upstream 429 (retried elsewhere)', rateLimited],
    ['rejected 4xx (bad request, unknown model, rate limited)', d((t) => t.rejected)],
    ['upstream 4xx passed through', d((t) => t.clientErrors)],
    ['client went away', d((t) => t.clientGone)],
  ];
  const latency = subtract(now.latencyCumulative, base?.latencyCumulative);
  const ttft = subtract(now.ttftCumulative, base?.ttftCumulative);
  return {
    requests: d((t) => t.requests),
    successes,
    failures,
    successRate: successes + failures === 0 ? null : (successes / (successes + failures)) * 100,
    latencyP50Ms: quantileMs(now.latencyBuckets, latency, 0.5),
    latencyP99Ms: quantileMs(now.latencyBuckets, latency, 0.99),
    ttftP50Ms: quantileMs(now.latencyBuckets, ttft, 0.5),
    ttftP99Ms: quantileMs(now.latencyBuckets, ttft, 0.99),
    errorKinds: kinds
      .filter(([, count]) => count > 0)
      .sort((a, b) => b[1] - a[1])
      .map(([kind, count]) => ({ kind, count })),
  };
}

/** Configured backends with their attempts and failures since the baseline, the worst first. */
export function backendStats(
  view: StateView,
  snapshot: PoolSnapshot,
  baseline: ReportBaseline | null,
): BackendStats[] {
  const live = new Map(view.backends.map((b) => [b.id, b]));
  const out: BackendStats[] = [];
  for (const backend of snapshot.backends) {
    const state = live.get(backend.id);
    const before = state ? counters(state, baseline) : { attempts: 0, failures: 0, rateLimited: 0 };
    out.push({
      id: backend.id,
      model: backend.modelName,
      apiBase: backend.apiBase,
      healthy: state?.healthy ?? false,
      attempts: (state?.attempts ?? 0) - before.attempts,
      failures: (state?.failures ?? 0) - before.failures,
      lastError: state?.lastError ?? null,
    });
  }
  return out.sort(
    (a, b) =>
      Number(a.healthy) - Number(b.healthy) ||
      b.failures - a.failures ||
      failureRate(b) - failureRate(a) ||
      a.id.localeCompare(b.id),
  );
}

/** Healthy / total per model, in model order. */
export function modelHealth(
  view: StateView,
  snapshot: PoolSnapshot,
): { model: string; healthy: number; total: number }[] {
  const healthy = new Set(view.backends.filter((b) => b.healthy).map((b) => b.id));
  const byModel = new Map<string, { model: string; healthy: number; total: number }>();
  for (const model of snapshot.models) byModel.set(model, { model, healthy: 0, total: 0 });
  for (const backend of snapshot.backends) {
    const entry = byModel.get(backend.modelName);
    if (!entry) continue;
    entry.total++;
    if (healthy.has(backend.id)) entry.healthy++;
  }
  return [...byModel.values()];
}

function failureRate(b: BackendStats): number {
  return b.attempts === 0 ? 0 : b.failures / b.attempts;
}

function counters(backend: BackendLiveView, baseline: ReportBaseline | null): BackendCounters {
  const before = baseline?.backends[backend.id];
  // A restarted state counts from zero again: everything it has is new.
  if (!before || before.attempts > backend.attempts) return { attempts: 0, failures: 0, rateLimited: 0 };
  return before;
}

function subtract(now: readonly number[], base: readonly number[] | undefined): number[] {
  return now.map((value, i) => value - (base?.[i] ?? 0));
}

/**
 * Prometheus' histogram_quantile on cumulative bucket counts (seconds): linear within the bucket the
 * quantile falls in; past the last bound, that bound. Null without observations.
 */
function quantileMs(bounds: readonly number[], cumulative: readonly number[], q: number): number | null {
  const count = cumulative[cumulative.length - 1] ?? 0;
  if (count <= 0) return null;
  const rank = q * count;
  let i = 0;
  while (i < cumulative.length - 1 && (cumulative[i] ?? 0) < rank) i++;
  if (i >= bounds.length) return (bounds[bounds.length - 1] ?? 0) * 1000;
  const lower = i === 0 ? 0 : (bounds[i - 1] ?? 0);
  const upper = bounds[i] ?? lower;
  const below = i === 0 ? 0 : (cumulative[i - 1] ?? 0);
  const inBucket = (cumulative[i] ?? 0) - below;
  const fraction = inBucket <= 0 ? 1 : (rank - below) / inBucket;
  return (lower + (upper - lower) * fraction) * 1000;
}

import type { BenchConfig, Side } from './bench-config.ts';
import type { BenchOutcome, SideResult } from './bench-run.ts';
import type { HdrHistogram } from './hdr-histogram.ts';
import { formatIntRange } from './int-range.ts';

/** Percentiles in milliseconds; null when nothing was measured (e.g. TTFT of non-streamed requests). */
export interface Percentiles {
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  readonly max: number | null;
  readonly mean: number | null;
}

export interface TimePoint {
  /** Seconds since the end of the warm-up (by completion time). */
  readonly t: number;
  readonly requests_per_s: number;
  readonly output_tokens_per_s: number;
  readonly ttft_p50_ms: number | null;
  readonly ttft_p99_ms: number | null;
  readonly latency_p50_ms: number | null;
  readonly latency_p99_ms: number | null;
  readonly errors: number;
}

/** The `report.json` of one side; the key names are the contract with other tools. */
export interface SideReport {
  readonly label: string;
  readonly started_at: string;
  readonly duration_s: number;
  readonly partial: boolean;
  readonly target: string;
  readonly config: Record<string, unknown>;
  readonly requests: { readonly total: number; readonly ok: number; readonly failed: number };
  readonly tokens: { readonly prompt_total: number; readonly output_total: number };
  /**
   * `requests_per_s` and `output_tokens_per_s`: successful requests and their tokens over the measured
   * time (to the last answer). `sent_per_s`: requests started per second, first to last measured start:
   * the offered rate an open loop is judged by.
   */
  readonly throughput: {
    readonly requests_per_s: number;
    readonly output_tokens_per_s: number;
    readonly sent_per_s: number;
  };
  readonly ttft_ms: Percentiles;
  readonly itl_ms: Percentiles;
  readonly latency_ms: Percentiles;
  readonly errors: Record<string, number>;
  /** The first message seen for each error kind. */
  readonly error_samples: Record<string, string>;
  readonly peak_in_flight: number;
  /** Content events that arrived glued to the previous one (a proxy that does not flush per event). */
  readonly clumped_events: number;
  readonly timeseries: TimePoint[];
}

export interface AbReport {
  readonly label: string;
  readonly started_at: string;
  readonly duration_s: number;
  readonly partial: boolean;
  readonly config: Record<string, unknown>;
  readonly direct: SideReport;
  readonly router: SideReport;
  /** Router minus direct, per percentile (ms). */
  readonly added_ms: {
    readonly ttft: { readonly p50: number | null; readonly p90: number | null; readonly p99: number | null };
    readonly latency: {
      readonly p50: number | null;
      readonly p90: number | null;
      readonly p99: number | null;
    };
  };
}

export type BenchReport = SideReport | AbReport;

export function isAbReport(report: BenchReport): report is AbReport {
  return 'added_ms' in report;
}

const round = (value: number, digits = 3): number => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};

/** Histogram microseconds → milliseconds. */
const ms = (us: number): number | null => (Number.isFinite(us) ? round(us / 1000) : null);

function percentiles(histogram: HdrHistogram): Percentiles {
  return {
    p50: ms(histogram.percentile(50)),
    p90: ms(histogram.percentile(90)),
    p99: ms(histogram.percentile(99)),
    max: ms(histogram.max()),
    mean: ms(histogram.mean()),
  };
}

/** The run's settings as the report records them (no API key: reports get shared). */
export function configSummary(config: BenchConfig): Record<string, unknown> {
  return {
    url: config.target.url,
    model: config.target.model,
    direct: config.direct ? { url: config.direct.url, model: config.direct.model } : null,
    phases: config.direct ? config.phases : 1,
    load: config.load.kind,
    concurrency: config.load.kind === 'closed' ? config.load.concurrency : null,
    rate: config.load.kind === 'open' ? config.load.rate : null,
    arrival: config.load.kind === 'open' ? config.load.arrival : null,
    requests: config.requests,
    duration_s: config.durationS,
    ramp_up_s: config.rampUpS,
    warmup_s: config.warmupS,
    stream: config.request.stream,
    endpoint: config.request.endpoint,
    max_tokens: config.request.maxTokens ? formatIntRange(config.request.maxTokens) : null,
    prompt_tokens: config.request.dataset ? null : formatIntRange(config.request.promptTokens),
    dataset: config.request.dataset,
    timeout_s: config.request.timeoutS,
    workers: config.workers,
    seed: config.seed,
    headers: config.request.headers.map(([name]) => name),
  };
}

function timeseries(result: SideResult, fillGaps: boolean): TimePoint[] {
  const indices = [...result.stats.seconds.keys()].filter((t) => t >= 0).sort((a, b) => a - b);
  const last = indices.at(-1) ?? -1;
  const points = fillGaps ? Array.from({ length: last + 1 }, (_, t) => t) : indices;
  return points.map((t) => {
    const second = result.stats.seconds.get(t);
    return {
      t,
      requests_per_s: second?.ok ?? 0,
      output_tokens_per_s: second?.outputTokens ?? 0,
      ttft_p50_ms: second ? ms(second.ttft.percentile(50)) : null,
      ttft_p99_ms: second ? ms(second.ttft.percentile(99)) : null,
      latency_p50_ms: second ? ms(second.latency.percentile(50)) : null,
      latency_p99_ms: second ? ms(second.latency.percentile(99)) : null,
      errors: second?.errors ?? 0,
    };
  });
}

function sideReport(config: BenchConfig, outcome: BenchOutcome, side: Side, result: SideResult): SideReport {
  const { stats } = result;
  const perSecond = (n: number) => (result.durationS > 0 ? round(n / result.durationS, 2) : 0);
  const target = side === 'direct' && config.direct ? config.direct.url : config.target.url;
  return {
    label: config.direct ? `${config.label} (${side})` : config.label,
    started_at: new Date(outcome.startedAt).toISOString(),
    duration_s: round(result.durationS),
    partial: outcome.partial,
    target,
    config: configSummary(config),
    requests: { total: stats.total, ok: stats.ok, failed: stats.failed },
    tokens: { prompt_total: stats.promptTokens, output_total: stats.outputTokens },
    throughput: {
      requests_per_s: perSecond(stats.ok),
      output_tokens_per_s: perSecond(stats.outputTokens),
      sent_per_s:
        stats.total > 1 && stats.lastStartAt > stats.firstStartAt
          ? round(((stats.total - 1) * 1000) / (stats.lastStartAt - stats.firstStartAt), 2)
          : 0,
    },
    ttft_ms: percentiles(stats.ttft),
    itl_ms: percentiles(stats.itl),
    latency_ms: percentiles(stats.latency),
    errors: Object.fromEntries([...stats.errors].sort((a, b) => b[1] - a[1])),
    error_samples: Object.fromEntries(stats.errorSamples),
    peak_in_flight: result.peakInFlight,
    clumped_events: stats.clumped,
    timeseries: timeseries(result, !config.direct),
  };
}

const minus = (a: number | null, b: number | null): number | null =>
  a === null || b === null ? null : round(a - b);

/** `report.json`: one side's object, or in A/B mode both sides plus the router's added time. */
export function buildReport(config: BenchConfig, outcome: BenchOutcome): BenchReport {
  const router = sideReport(config, outcome, 'router', outcome.sides.get('router')!);
  const directResult = outcome.sides.get('direct');
  if (!config.direct || !directResult) return router;
  const direct = sideReport(config, outcome, 'direct', directResult);
  return {
    label: config.label,
    started_at: router.started_at,
    duration_s: round(router.duration_s + direct.duration_s),
    partial: outcome.partial,
    config: configSummary(config),
    direct,
    router,
    added_ms: {
      ttft: {
        p50: minus(router.ttft_ms.p50, direct.ttft_ms.p50),
        p90: minus(router.ttft_ms.p90, direct.ttft_ms.p90),
        p99: minus(router.ttft_ms.p99, direct.ttft_ms.p99),
      },
      latency: {
        p50: minus(router.latency_ms.p50, direct.latency_ms.p50),
        p90: minus(router.latency_ms.p90, direct.latency_ms.p90),
        p99: minus(router.latency_ms.p99, direct.latency_ms.p99),
      },
    },
  };
}

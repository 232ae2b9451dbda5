import type { DashboardData } from './dashboard-data.ts';

type Series = Record<string, number>;

export interface HistorySample {
  time: string;
  totals: Series;
  backends: Record<string, Series>;
  models: Record<string, Series>;
}

const FIELDS = ['send_rpm', 'comp_rpm', 'running', 'waiting', 'conns', 'pending', 'healthy'] as const;

type LatencyFields = Pick<
  DashboardData['latency'],
  'ttft_p50_ms' | 'ttft_p99_ms' | 'latency_p50_ms' | 'latency_p99_ms' | 'output_tokens_per_s'
>;

/**
 * Percentiles are not sums: each series takes its own group's value (a model's from its merged
 * histogram, the totals from every backend's). A window without samples leaves the key out, which the
 * charts draw as a gap.
 */
function addLatency(series: Series, from: LatencyFields): void {
  const fields: ReadonlyArray<[string, number | null]> = [
    ['ttft_p50', from.ttft_p50_ms],
    ['ttft_p99', from.ttft_p99_ms],
    ['latency_p50', from.latency_p50_ms],
    ['latency_p99', from.latency_p99_ms],
    ['tokens_per_s', from.output_tokens_per_s],
  ];
  for (const [key, value] of fields) if (value !== null) series[key] = value;
}

/** The last `capacity` one-second samples for `/api/history` (Go router: 120). */
export class HistoryRing {
  readonly #capacity: number;
  readonly #samples: HistorySample[] = [];

  constructor(capacity = 120) {
    this.#capacity = capacity;
  }

  add(data: DashboardData): void {
    const totals: Series = Object.fromEntries(FIELDS.map((f) => [f, 0]));
    const backends: Record<string, Series> = {};
    for (const b of data.backends) {
      const series: Series = {
        send_rpm: b.send_rpm,
        comp_rpm: b.comp_rpm,
        running: b.running,
        waiting: b.waiting,
        conns: b.connections,
        pending: b.pending,
        healthy: b.healthy ? 1 : 0,
      };
      backends[b.id] = series;
      for (const f of FIELDS) totals[f] = (totals[f] ?? 0) + (series[f] ?? 0);
      addLatency(series, b);
    }
    const models: Record<string, Series> = {};
    for (const b of data.backends) {
      const model = models[b.model_name] ?? Object.fromEntries(FIELDS.map((f) => [f, 0]));
      models[b.model_name] = model;
      const series = backends[b.id] ?? {};
      for (const f of FIELDS) model[f] = (model[f] ?? 0) + (series[f] ?? 0);
    }
    for (const m of data.models) {
      const model = models[m.name];
      if (model) addLatency(model, m);
    }
    totals.unhealthy = data.backends.length - (totals.healthy ?? 0);
    addLatency(totals, data.latency);
    this.#samples.push({ time: data.system.time, totals, backends, models });
    if (this.#samples.length > this.#capacity) this.#samples.shift();
  }

  samples(): readonly HistorySample[] {
    return this.#samples;
  }
}

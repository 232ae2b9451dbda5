import type { RequestRecord } from './load-run.ts';

/** Nearest-rank percentile of an ascending array (q in 0..100); NaN when empty. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((q / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function ascending(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

export interface Quantiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export function quantiles(values: readonly number[]): Quantiles {
  const sorted = ascending(values);
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

/** Queue depth of one backend as sampled from the sims (4 Hz) during a run. */
export interface QueueTrace {
  meanWaiting: number;
  maxWaiting: number;
  meanRunning: number;
  samples: number;
}

export class QueueSampler {
  readonly #sums: { waiting: number; running: number; max: number }[];
  #samples = 0;

  constructor(backends: number) {
    this.#sums = Array.from({ length: backends }, () => ({ waiting: 0, running: 0, max: 0 }));
  }

  add(live: readonly { running: number; waiting: number }[]): void {
    this.#samples++;
    live.forEach((b, i) => {
      const s = this.#sums[i];
      if (!s) return;
      s.waiting += b.waiting;
      s.running += b.running;
      s.max = Math.max(s.max, b.waiting);
    });
  }

  traces(): QueueTrace[] {
    const n = Math.max(1, this.#samples);
    return this.#sums.map((s) => ({
      meanWaiting: s.waiting / n,
      maxWaiting: s.max,
      meanRunning: s.running / n,
      samples: this.#samples,
    }));
  }
}

export interface RunSummary {
  readonly name: string;
  readonly requests: number;
  readonly errors: number;
  readonly errorSamples: string[];
  /** ms; requests that never saw a token count as +Infinity (they are worse than any that did). */
  readonly ttft: Quantiles;
  readonly e2e: Quantiles;
  readonly counts: number[];
  readonly shares: number[];
  readonly perBackendTtftP99: number[];
  readonly sendLag: Quantiles;
  readonly drainMs: number;
}

export function summarise(
  name: string,
  records: readonly RequestRecord[],
  backends: number,
  drainMs: number,
): RunSummary {
  const counts = Array.from({ length: backends }, () => 0);
  const perBackend: number[][] = Array.from({ length: backends }, () => []);
  const errorSamples = new Set<string>();
  let errors = 0;
  for (const r of records) {
    if (r.backend >= 0 && r.backend < backends) counts[r.backend]!++;
    if (r.error !== null) {
      errors++;
      if (errorSamples.size < 5) errorSamples.add(r.error);
    }
    if (r.backend >= 0) perBackend[r.backend]?.push(r.ttftMs ?? Number.POSITIVE_INFINITY);
  }
  const total = counts.reduce((a, b) => a + b, 0);
  return {
    name,
    requests: records.length,
    errors,
    errorSamples: [...errorSamples],
    ttft: quantiles(records.map((r) => r.ttftMs ?? Number.POSITIVE_INFINITY)),
    e2e: quantiles(records.map((r) => r.e2eMs ?? Number.POSITIVE_INFINITY)),
    counts,
    shares: counts.map((c) => (total > 0 ? c / total : 0)),
    perBackendTtftP99: perBackend.map((values) => percentile(ascending(values), 99)),
    sendLag: quantiles(records.map((r) => r.sendLagMs)),
    drainMs,
  };
}

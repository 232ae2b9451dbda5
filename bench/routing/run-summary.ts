import { percentile, type Summary, summarize } from '../lib/stats.ts';
import type { RequestRecord } from './load-run.ts';

export interface RunSummary {
  readonly name: string;
  readonly requests: number;
  readonly errors: number;
  readonly errorSamples: string[];
  /** ms; requests that never saw a token count as +Infinity (they are worse than any that did). */
  readonly ttft: Summary;
  readonly e2e: Summary;
  readonly counts: number[];
  readonly shares: number[];
  readonly perBackendTtftP99: number[];
  readonly sendLag: Summary;
  readonly drainMs: number;
}

/** One run's figures: TTFT and e2e percentiles, errors, and how the requests spread over the backends. */
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
    ttft: summarize(records.map((r) => r.ttftMs ?? Number.POSITIVE_INFINITY)),
    e2e: summarize(records.map((r) => r.e2eMs ?? Number.POSITIVE_INFINITY)),
    counts,
    shares: counts.map((c) => (total > 0 ? c / total : 0)),
    perBackendTtftP99: perBackend.map((values) =>
      percentile(
        values.sort((a, b) => a - b),
        99,
      ),
    ),
    sendLag: summarize(records.map((r) => r.sendLagMs)),
    drainMs,
  };
}

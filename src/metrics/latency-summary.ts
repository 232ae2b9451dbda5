import { ATTEMPT_ERROR_KINDS, type AttemptErrorKind } from '../state/attempt-error-kind.ts';
import type { AttemptWindowView } from '../state/attempt-window.ts';
import { addSparse, quantileMs } from './latency-bins.ts';

/** The dashboard's latency fields of a backend, a model or the whole router (all over the last 60 s). */
export interface LatencySummary {
  ttft_p50_ms: number | null;
  ttft_p99_ms: number | null;
  latency_p50_ms: number | null;
  latency_p99_ms: number | null;
  /** Engine-reported generation rate; null when no backend in the group reports the counter. */
  output_tokens_per_s: number | null;
  /** Unsuccessful attempts by kind. */
  errors: Record<AttemptErrorKind, number>;
}

/** One summary of several backends' windows: histograms added before taking percentiles. */
export function latencySummary(windows: readonly AttemptWindowView[]): LatencySummary {
  const ttft = addSparse(windows.map((w) => w.ttftBins));
  const latency = addSparse(windows.map((w) => w.latencyBins));
  let tokens: number | null = null;
  const errors = Object.fromEntries(ATTEMPT_ERROR_KINDS.map((kind) => [kind, 0])) as Record<
    AttemptErrorKind,
    number
  >;
  for (const window of windows) {
    if (window.outputTokensPerSecond !== null) tokens = (tokens ?? 0) + window.outputTokensPerSecond;
    for (const kind of ATTEMPT_ERROR_KINDS) errors[kind] += window.errors[kind];
  }
  return {
    ttft_p50_ms: quantileMs(ttft, 0.5),
    ttft_p99_ms: quantileMs(ttft, 0.99),
    latency_p50_ms: quantileMs(latency, 0.5),
    latency_p99_ms: quantileMs(latency, 0.99),
    output_tokens_per_s: tokens === null ? null : Math.round(tokens * 10) / 10,
    errors,
  };
}

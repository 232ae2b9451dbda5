export { BENCH_FLAG_NAMES, type ParsedBenchArgs, parseBenchArgs } from './bench-args.ts';
export { type BenchCliIo, INTERRUPTED, runBenchCli } from './bench-cli.ts';
export { benchCommand } from './bench-command.ts';
export type { BenchConfig, IntRange, LoadShape, RequestShape, Target } from './bench-config.ts';
export {
  type AbReport,
  type BenchReport,
  buildReport,
  isAbReport,
  type Percentiles,
  type SideReport,
  type TimePoint,
} from './bench-report.ts';
export { type BenchOutcome, runBench } from './bench-run.ts';
export { BENCH_USAGE } from './bench-usage.ts';
export { epochNow } from './bench-worker.ts';
export { HdrHistogram, type HistogramData } from './hdr-histogram.ts';
export { type InFlight, type RequestResult, type RequestTarget, sendLlmRequest } from './llm-request.ts';
export { LoadGenerator, type LoadPlan } from './load-generator.ts';
export { renderReportHtml } from './report-html.ts';
export { type PreparedRequest, RequestSource } from './request-source.ts';
export { createRequestTarget, type OwnedTarget, requestHeaders } from './request-target.ts';
export { RunStats } from './run-stats.ts';
export { SseEvents } from './sse-events.ts';

import { type BenchReport, isAbReport, type Percentiles, type SideReport } from './bench-report.ts';

const num = (value: number | null, digits = 1): string => (value === null ? '-' : value.toFixed(digits));
const count = (n: number): string => n.toLocaleString('en-US');
const signed = (value: number | null): string =>
  value === null ? '-' : `${value >= 0 ? '+' : ''}${value.toFixed(1)}`;

function row(name: string, p: Percentiles): string {
  return `  ${name.padEnd(12)}${[p.p50, p.p90, p.p99, p.max].map((v) => num(v).padStart(10)).join('')}`;
}

function sideLines(report: SideReport): string[] {
  const { requests, throughput } = report;
  const lines = [
    `${report.label}: ${num(report.duration_s)} s measured, ${count(requests.total)} requests ` +
      `(${count(requests.ok)} ok, ${count(requests.failed)} failed)${report.partial ? '  [PARTIAL: interrupted]' : ''}`,
    `  throughput  ${num(throughput.requests_per_s, 2)} req/s, ${num(throughput.output_tokens_per_s, 1)} output tokens/s, ` +
      `${count(report.tokens.output_total)} output / ${count(report.tokens.prompt_total)} prompt tokens, ` +
      `peak in flight ${count(report.peak_in_flight)}`,
    `  ${''.padEnd(12)}${['p50', 'p90', 'p99', 'max'].map((h) => h.padStart(10)).join('')}`,
    row('TTFT ms', report.ttft_ms),
    row('ITL ms', report.itl_ms),
    row('latency ms', report.latency_ms),
  ];
  const errors = Object.entries(report.errors);
  if (errors.length === 0) lines.push('  errors      none');
  for (const [kind, n] of errors) {
    const sample = report.error_samples[kind];
    lines.push(`  error       ${kind} x${count(n)}${sample ? `: ${sample.slice(0, 160)}` : ''}`);
  }
  return lines;
}

/** The closing summary printed after a run (both sides and the router's added time in A/B mode). */
export function summaryText(report: BenchReport): string {
  if (!isAbReport(report)) return `${sideLines(report).join('\n')}\n`;
  const { added_ms: added } = report;
  return [
    ...sideLines(report.direct),
    '',
    ...sideLines(report.router),
    '',
    `router added (router - direct, ms):  TTFT p50 ${signed(added.ttft.p50)}  p90 ${signed(added.ttft.p90)}  ` +
      `p99 ${signed(added.ttft.p99)}   latency p50 ${signed(added.latency.p50)}  p90 ${signed(added.latency.p90)}  ` +
      `p99 ${signed(added.latency.p99)}`,
    '',
  ].join('\n');
}

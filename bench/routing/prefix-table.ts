import { formatTable, ms, pct, ratio } from '../lib/table.ts';
import type { RunSummary } from './run-summary.ts';

/** One dispatcher's figures in the shared-prefix scenario (a live run or a pooled replay). */
export interface PrefixTableRow {
  readonly summary: RunSummary;
  /** Prompt tokens the engines found cached over those looked up. */
  readonly hitRate: number;
  /** Share of the samples (live) or arrivals (virtual) with one engine queueing while another idled. */
  readonly hotspot: number;
  /** The router's prefix index (its largest in a replay, at the end of a live run); null: none. */
  readonly index: { readonly entries: number; readonly capacity: number; readonly bytes: number } | null;
}

/** The shared-prefix table, live and virtual alike: times and their ratios, cache hits, balance, index. */
export function prefixTable(rows: readonly PrefixTableRow[], names: readonly string[]): string {
  const lw = rows.find((r) => r.summary.name === 'least-waiting')?.summary;
  const oracle = rows.find((r) => r.summary.name === 'oracle')?.summary;
  return formatTable(
    [
      'dispatcher',
      'TTFT p50',
      'p90',
      'p99',
      'p50/lw',
      'p99/lw',
      'p99/oracle',
      'cache hits',
      'hotspot',
      'max/fair',
      'errors',
      ...names,
      'index (cap)',
      'index memory',
    ],
    rows.map(({ summary: s, hitRate, hotspot, index }) => [
      s.name,
      ms(s.ttft.p50),
      ms(s.ttft.p90),
      ms(s.ttft.p99),
      lw ? ratio(s.ttft.p50 / lw.ttft.p50) : '-',
      lw ? ratio(s.ttft.p99 / lw.ttft.p99) : '-',
      oracle ? ratio(s.ttft.p99 / oracle.ttft.p99) : '-',
      pct(hitRate),
      pct(hotspot),
      ratio(Math.max(...s.shares) * names.length),
      String(s.errors),
      ...s.shares.map(pct),
      index ? `${index.entries} (${index.capacity})` : '-',
      index ? `${(index.bytes / 1024).toFixed(0)} KiB` : '-',
    ]),
  );
}

/** Fixed-width text table: first column left-aligned, the rest right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** ms → "123 ms" / "4.56 s"; infinities (requests that never produced a token) → "never". */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? '-' : 'never';
  if (value < 1000) return `${Math.round(value)} ms`;
  return `${(value / 1000).toFixed(2)} s`;
}

export function pct(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

export function ratio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : '-';
}

/** The leading columns of every per-dispatcher TTFT table (live and virtual). */
export const TTFT_COLUMNS = ['dispatcher', 'TTFT p50', 'p90', 'p99', 'p99/oracle', 'p99/ideal'] as const;

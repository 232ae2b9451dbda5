/** Fixed-point number, or '-' for NaN/undefined. */
export function fmt(value: number | undefined | null, digits = 2): string {
  if (value === undefined || value === null || Number.isNaN(value)) return '-';
  return value.toFixed(digits);
}

/** Signed fixed-point number (+0.12 / -0.05). */
export function signed(value: number | undefined, digits = 2): string {
  if (value === undefined || Number.isNaN(value)) return '-';
  return `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;
}

/** Megabytes with one decimal. */
export function mb(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

/** ms → "123 ms" / "4.56 s"; infinities (e.g. requests that never produced a token) → "never". */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? '-' : 'never';
  if (value < 1000) return `${Math.round(value)} ms`;
  return `${(value / 1000).toFixed(2)} s`;
}

/** A fraction as a percentage with one decimal. */
export function pct(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

/** A ratio as "1.23x", or '-' when it is not a number. */
export function ratio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : '-';
}

/** A plain-text table: first column left-aligned, the rest right-aligned, a dashed rule under the header. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  return [line(headers), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

/** Print a plain-text table (formatTable) under a title. */
export function printTable(
  title: string,
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): void {
  process.stdout.write(`\n${title}\n${formatTable(headers, rows)}\n`);
}

/** PASS/FAIL line for a target. */
export function verdict(ok: boolean, text: string): string {
  return `${ok ? 'PASS' : 'FAIL'}  ${text}`;
}

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

/** Print a plain-text table: first column left-aligned, the rest right-aligned. */
export function printTable(
  title: string,
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): void {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  process.stdout.write(`\n${title}\n`);
  process.stdout.write(`${line(headers)}\n`);
  process.stdout.write(`${widths.map((width) => '-'.repeat(width)).join('  ')}\n`);
  for (const row of rows) process.stdout.write(`${line(row)}\n`);
}

/** PASS/FAIL line for a target. */
export function verdict(ok: boolean, text: string): string {
  return `${ok ? 'PASS' : 'FAIL'}  ${text}`;
}

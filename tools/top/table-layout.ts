import { fitCell, widthOf } from './text-cells.ts';
import type { Tone } from './top-view.ts';

export interface Column<Row> {
  readonly header: string;
  readonly align: 'left' | 'right';
  /**
   * Order in which columns leave a narrow screen: the highest goes first; 0 never goes. The issue's
   * priority: status, model, conns and TTFT stay longest; the last error and limits leave first.
   */
  readonly drop: number;
  /** Narrowest the column is shrunk to before columns are dropped instead. */
  readonly min: number;
  /** Widest it grows, however long its values (long names are cut with …). */
  readonly max: number;
  readonly value: (row: Row) => string;
  readonly tone?: (row: Row) => Tone | null;
}

export type Paint = (text: string, tone: Tone | 'head' | 'title') => string;

const GAP = 2;

/** The columns that fit `width` and the width of each (Infinity: every column at its natural width). */
export function layoutTable<Row>(
  columns: readonly Column<Row>[],
  rows: readonly Row[],
  width: number,
): { columns: Column<Row>[]; widths: number[] } {
  let kept = columns.map((column) => {
    let natural = widthOf(column.header);
    for (const row of rows) natural = Math.max(natural, widthOf(column.value(row)));
    return { column, natural: Math.min(column.max, natural), min: Math.min(column.min, natural) };
  });
  const total = (key: 'natural' | 'min') =>
    kept.reduce((sum, c) => sum + c[key], 0) + GAP * Math.max(0, kept.length - 1);
  while (total('min') > width) {
    const droppable = kept.filter((c) => c.column.drop > 0);
    if (droppable.length === 0) break;
    const worst = droppable.reduce((a, b) => (b.column.drop >= a.column.drop ? b : a));
    kept = kept.filter((c) => c !== worst);
  }
  const widths = kept.map((c) => c.natural);
  let excess = total('natural') - width;
  // Shrink the least important columns first, each down to its minimum.
  const order = kept.map((_, i) => i).sort((a, b) => kept[b]!.column.drop - kept[a]!.column.drop);
  for (const i of order) {
    if (excess <= 0) break;
    const give = Math.min(excess, widths[i]! - kept[i]!.min);
    widths[i]! -= give;
    excess -= give;
  }
  return { columns: kept.map((c) => c.column), widths };
}

/** Header and one line per row, every cell cut or padded to its width, tones applied after fitting. */
export function renderTable<Row>(
  columns: readonly Column<Row>[],
  widths: readonly number[],
  rows: readonly Row[],
  paint: Paint,
): string[] {
  const gap = ' '.repeat(GAP);
  const header = columns
    .map((c, i) => fitCell(c.header, widths[i]!, c.align))
    .join(gap)
    .trimEnd();
  const lines = [paint(header, 'head')];
  for (const row of rows) {
    const cells = columns.map((c, i) => {
      const cell = fitCell(c.value(row), widths[i]!, c.align);
      const tone = c.tone?.(row) ?? null;
      return tone ? paint(cell, tone) : cell;
    });
    lines.push(cells.join(gap).trimEnd());
  }
  return lines;
}

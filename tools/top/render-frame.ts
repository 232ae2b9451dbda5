import { layoutTable, type Paint, renderTable } from './table-layout.ts';
import { fitCell, printable, truncate, widthOf } from './text-cells.ts';
import { backendColumns, MODEL_COLUMNS } from './top-columns.ts';
import type { TopData } from './top-data.ts';
import { clock, uptime } from './top-format.ts';
import { type TopView, visibleBackends } from './top-view.ts';

export interface FrameInput {
  readonly data: TopData;
  readonly view: TopView;
  /** Client requests per second (measured between two polls, or estimated from the send RPMs). */
  readonly requestsPerSecond: number;
  /** Terminal columns; Infinity for a plain snapshot (tables at their natural widths). */
  readonly width: number;
  /** Terminal rows; null for a snapshot that prints every row. */
  readonly height: number | null;
  readonly now: Date;
  /** A problem with the latest poll, shown under the summary (the data is the last good one). */
  readonly notice: string | null;
  /** The key help line of the live screen. */
  readonly footer: boolean;
}

/** Plain text: the snapshot `--once` and non-TTY output print. */
export const plain: Paint = (text) => text;

/** The whole screen as lines, each at most `width` columns (styles applied after fitting). */
export function renderFrame(input: FrameInput, paint: Paint): string[] {
  const { data, view, width } = input;
  const backends = visibleBackends(data.backends, view);
  const sections = layoutSections(input, backends.length);

  const lines: string[] = [summaryLine(input, paint)];
  if (input.notice) lines.push(paint(truncate(`! ${printable(input.notice)}`, width), 'bad'));

  if (sections.models > 0) {
    lines.push('', paint(truncate(`MODELS ${data.models.length}`, width), 'title'));
    const rows = data.models.slice(0, sections.models);
    const table = layoutTable(MODEL_COLUMNS, data.models, width);
    lines.push(...renderTable(table.columns, table.widths, rows, paint));
  }

  const shownOf =
    backends.length === data.backends.length
      ? `${data.backends.length}`
      : `${backends.length} of ${data.backends.length}`;
  const title = [
    `BACKENDS ${shownOf}`,
    `sort: ${view.sort}`,
    view.filter ? `filter: ${printable(view.filter)}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  lines.push('', paint(truncate(title, width), 'title'));
  const cut = backends.length > sections.backends;
  const rows = backends.slice(0, cut ? Math.max(0, sections.backends - 1) : backends.length);
  const table = layoutTable(backendColumns(view.sort), backends, width);
  lines.push(...renderTable(table.columns, table.widths, rows, paint));
  if (cut) lines.push(paint(`… ${backends.length - rows.length} more (/ to filter, s to sort)`, 'dim'));
  if (backends.length === 0)
    lines.push(
      paint(data.backends.length === 0 ? 'no backends configured' : 'no backend matches the filter', 'dim'),
    );

  if (sections.errors > 0) {
    lines.push('', paint('RECENT ERRORS', 'title'));
    for (const error of data.recent_errors.slice(0, sections.errors)) {
      const head = `${clock(error.at)}  ${printable(error.backend)}  `;
      lines.push(
        truncate(head, width) + paint(truncate(printable(error.error), width - widthOf(head)), 'dim'),
      );
    }
  }
  if (input.footer) {
    if (input.height !== null) while (lines.length < input.height - 1) lines.push('');
    lines.push(footerLine(view, width, paint));
  }
  return input.height === null ? lines : lines.slice(0, input.height);
}

function summaryLine(input: FrameInput, paint: Paint): string {
  const { data } = input;
  const healthy = data.backends.filter((b) => b.healthy).length;
  const rate = data.requests.success_rate;
  // Most telling first: a narrow screen cuts from the end.
  const parts = [
    `llm-router ${data.system.version ? `v${printable(data.system.version)}` : ''}`.trim(),
    `${healthy}/${data.backends.length} backends up`,
    `${input.requestsPerSecond.toFixed(1)} req/s`,
    rate === null ? null : `${rate >= 99.995 ? '100' : rate.toFixed(2)}% ok`,
    data.requests.inflight === null ? null : `in-flight ${data.requests.inflight}`,
    printable(data.system.strategy) || null,
    `up ${uptime(data.system.uptime_seconds)}`,
  ].filter((part): part is string => part !== null);
  const right = clock(input.now);
  const left = parts.join(' · ');
  if (!Number.isFinite(input.width)) return `${left}  ${right}`;
  const room = input.width - widthOf(right) - 2;
  if (room < 10) return truncate(left, input.width);
  return paint(fitCell(left, room, 'left'), 'title') + '  ' + right;
}

function footerLine(view: TopView, width: number, paint: Paint): string {
  if (view.editing)
    return paint(truncate(`filter: ${printable(view.filter)}▏  enter keep · esc clear`, width), 'head');
  return paint(truncate('q quit · s sort · / filter · m models · esc clear filter', width), 'dim');
}

/** Rows each section gets: the backends first, then errors and models share what is left. */
function layoutSections(
  input: FrameInput,
  backendCount: number,
): { models: number; backends: number; errors: number } {
  const models = input.view.showModels ? input.data.models.length : 0;
  const errors = Math.min(input.data.recent_errors.length, 5);
  if (input.height === null) return { models, backends: backendCount, errors };
  // Summary, notice, footer; blank + title + header per table; blank + title for errors.
  let free =
    input.height -
    1 -
    (input.notice ? 1 : 0) -
    (input.footer ? 1 : 0) -
    3 -
    (models > 0 ? 3 : 0) -
    (errors > 0 ? 2 : 0);
  const give = (want: number) => {
    const got = Math.max(0, Math.min(want, free));
    free -= got;
    return got;
  };
  const backendFloor = give(Math.min(backendCount, 3));
  const modelRows = give(Math.min(models, Math.max(1, Math.floor(input.height / 5))));
  const errorRows = give(errors);
  const backendRows = backendFloor + give(backendCount - backendFloor);
  const moreModels = give(models - modelRows);
  return {
    models: models > 0 ? Math.max(1, modelRows + moreModels) : 0,
    backends: backendRows,
    errors: errorRows,
  };
}

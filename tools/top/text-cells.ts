import stringWidth from 'string-width';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Names come from config files and remote routers: a control character in one (an ESC starting a
 * terminal sequence, a newline) would run on the operator's terminal or break the table, so each is
 * shown as U+FFFD instead.
 */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\ufffd');
}

/** Columns the text takes on a terminal (wide CJK characters count two, combining marks none). */
export function widthOf(text: string): number {
  return stringWidth(text);
}

/** Cut to at most `width` columns, marking a cut with `…`; never splits a grapheme. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (widthOf(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const { segment } of segmenter.segment(text)) {
    const w = widthOf(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  return `${out}…`;
}

/** Exactly `width` columns: truncated, then padded on the side away from `align`. */
export function fitCell(text: string, width: number, align: 'left' | 'right'): string {
  const cut = truncate(text, width);
  const pad = ' '.repeat(Math.max(0, width - widthOf(cut)));
  return align === 'right' ? pad + cut : cut + pad;
}

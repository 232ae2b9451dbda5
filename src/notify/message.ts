/** JSON values, for the structured side of a line (the generic JSON target sends it as is). */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/**
 * A piece of a line. Its text is data (a model name, an error) that every format escapes for itself,
 * unless `fixed`: the router's own wording (times, counts, labels), written to be markup-free.
 */
export interface Run {
  readonly text: string;
  readonly bold?: boolean;
  readonly fixed?: boolean;
}

/** One line of a message, never split across messages; `data` is its structured form. */
export interface Line {
  readonly runs: readonly Run[];
  readonly data?: { readonly [key: string]: Json };
}

export interface Section {
  readonly heading: string;
  readonly lines: readonly Line[];
  /** Lines beyond this are summarised even when they would fit. */
  readonly maxLines?: number;
  /** One line standing for the lines that did not fit, with exact counts. */
  readonly summarise: (omitted: readonly Line[]) => Line;
}

export type Severity = 'critical' | 'warning' | 'ok' | 'info';

/** A notification before it is put in any target's format. */
export interface Message {
  readonly kind: 'alert' | 'report' | 'startup';
  readonly severity: Severity;
  /** Emoji shown before the title. */
  readonly icon: string;
  readonly title: string;
  /** Lines before the sections (first message only). */
  readonly intro: readonly Line[];
  readonly sections: readonly Section[];
  /** Ping the target's `mentions` (alerts only). */
  readonly mention: boolean;
  /** At most this many chat messages; what does not fit is summarised. */
  readonly maxParts: number;
  readonly at: number;
}

/**
 * Model names, error texts and file names are data: control characters, line breaks and bidirectional
 * overrides become spaces (a line break would end a markdown line, an override reorders what a reader
 * sees), and the value is cut to `max` code points with an ellipsis, so no single line can outgrow a
 * message.
 */
export function clip(value: string, max: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what must go
  const clean = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g, ' ');
  const chars = Array.from(clean);
  return chars.length <= max ? clean : `${chars.slice(0, max - 1).join('')}…`;
}

/** Field bounds (code points). */
export const MAX_NAME = 120;
export const MAX_URL = 200;
export const MAX_REASON = 300;

export function text(value: string, max = MAX_REASON): Run {
  return { text: clip(value, max) };
}

/** The router's own words: no markdown characters (`*_[]<>#~|&\\` and backticks) in them. */
export function fixed(value: string): Run {
  return { text: value, fixed: true };
}

export function bold(value: string, max = MAX_NAME): Run {
  return { text: clip(value, max), bold: true };
}

export function plainOf(line: Line): string {
  return line.runs.map((run) => run.text).join('');
}

/** `2026-12-05 10:01:02 UTC`: one time zone for every reader of a shared channel. */
export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `1h 2m`, `3m 10s`, `12s`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}

/** `12,345`: the same in every locale (a channel's readers do not share one). */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `model a ×120, model b ×30 and 4 more models (12)`: exact counts by group, bounded length. */
export function countsByGroup(groups: readonly string[], noun: string, shown = 8): string {
  const counts = new Map<string, number>();
  for (const group of groups) counts.set(group, (counts.get(group) ?? 0) + 1);
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const head = sorted.slice(0, shown).map(([group, count]) => `${clip(group, 60)} ×${count}`);
  const rest = sorted.slice(shown);
  const restCount = rest.reduce((sum, [, count]) => sum + count, 0);
  return rest.length === 0
    ? head.join(', ')
    : `${head.join(', ')} and ${rest.length} more ${noun} (${restCount})`;
}

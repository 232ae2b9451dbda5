/** One sample line of a Prometheus text exposition. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const TIMESTAMP = /^-?\d+$/;

/**
 * Parse Prometheus text exposition 0.0.4: skips # HELP/# TYPE/comments/blank lines, handles labels with
 * escaped values (\\ \" \n), optional exposition timestamps after the value, NaN, +Inf, -Inf, exponent floats;
 * malformed lines are skipped, never thrown (an engine upgrade must not take the scraper down).
 */
export function parsePrometheusText(text: string): PromSample[] {
  const samples: PromSample[] = [];
  let pos = 0;
  while (pos < text.length) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = text.length;
    const sample = parseSampleLine(text, pos, eol);
    if (sample !== null) samples.push(sample);
    pos = eol + 1;
  }
  return samples;
}

/**
 * Parse the sample on text[start, end) (one line, without its `\n`; a trailing `\r` is tolerated). Returns
 * null for comments, blank and malformed lines. Takes offsets so callers can filter by name first without
 * slicing every line of a large exposition.
 */
export function parseSampleLine(text: string, start: number, end: number): PromSample | null {
  if (end > start && text.charCodeAt(end - 1) === 0x0d) end--;
  let i = skipBlanks(text, start, end);
  if (i >= end || text.charCodeAt(i) === 0x23 /* # */) return null;
  const nameEnd = metricNameEnd(text, i, end);
  if (nameEnd === i) return null;
  const name = text.slice(i, nameEnd);
  // No prototype, so a label called `__proto__` or `constructor` is just a label.
  const labels = Object.create(null) as Record<string, string>;
  i = skipBlanks(text, nameEnd, end);
  if (i < end && text.charCodeAt(i) === 0x7b /* { */) {
    i = parseLabels(text, i + 1, end, labels);
    if (i < 0) return null;
    i = skipBlanks(text, i, end);
  } else if (i === nameEnd) {
    return null;
  }
  const rest = text.slice(i, end).split(/[ \t]+/);
  const value = parseValue(rest[0] ?? '');
  if (value === undefined) return null;
  const extra = rest[1];
  // Anything after the value must be a timestamp (ignored: we want the current value) or an exemplar.
  if (extra !== undefined && extra !== '' && !TIMESTAMP.test(extra) && !extra.startsWith('#')) return null;
  return { name, labels, value };
}

/** Go's strconv.ParseFloat spellings, which is what the exposition format promises. */
export function parseValue(token: string): number | undefined {
  if (DECIMAL.test(token)) return Number(token);
  switch (token.toLowerCase()) {
    case 'nan':
      return Number.NaN;
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Number.POSITIVE_INFINITY;
    case '-inf':
    case '-infinity':
      return Number.NEGATIVE_INFINITY;
    default:
      return undefined;
  }
}

/** End of a metric name at `i`: [a-zA-Z_:][a-zA-Z0-9_:]*; returns `i` when there is none. */
export function metricNameEnd(text: string, i: number, end: number): number {
  const first = i;
  while (i < end) {
    const c = text.charCodeAt(i);
    const ok =
      (c >= 0x61 && c <= 0x7a) ||
      (c >= 0x41 && c <= 0x5a) ||
      c === 0x5f ||
      c === 0x3a ||
      (i > first && c >= 0x30 && c <= 0x39);
    if (!ok) break;
    i++;
  }
  return i;
}

function skipBlanks(text: string, i: number, end: number): number {
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09) break;
    i++;
  }
  return i;
}

/** Parse `name="value",...}` starting after `{`; returns the offset after `}` or -1 when malformed. */
function parseLabels(text: string, i: number, end: number, labels: Record<string, string>): number {
  for (;;) {
    i = skipBlanks(text, i, end);
    if (i >= end) return -1;
    if (text.charCodeAt(i) === 0x7d /* } */) return i + 1;
    const nameEnd = metricNameEnd(text, i, end);
    if (nameEnd === i) return -1;
    const labelName = text.slice(i, nameEnd);
    i = skipBlanks(text, nameEnd, end);
    if (text.charCodeAt(i) !== 0x3d /* = */) return -1;
    i = skipBlanks(text, i + 1, end);
    if (text.charCodeAt(i) !== 0x22 /* " */) return -1;
    i++;
    let value = '';
    let runStart = i;
    for (;;) {
      if (i >= end) return -1;
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c /* \ */) {
        if (i + 1 >= end) return -1;
        value += text.slice(runStart, i);
        const next = text[i + 1];
        // The format defines only these three escapes; keep anything else verbatim rather than drop the line.
        value += next === 'n' ? '\n' : next === '\\' || next === '"' ? next : `\\${next}`;
        i += 2;
        runStart = i;
      } else {
        i++;
      }
    }
    labels[labelName] = value + text.slice(runStart, i);
    i = skipBlanks(text, i + 1, end);
    const c = text.charCodeAt(i);
    if (c === 0x2c /* , */) i++;
    else if (c !== 0x7d) return -1;
  }
}

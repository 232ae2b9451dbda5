import type { Line, Run } from './message.ts';
import type { MessagePart } from './split-message.ts';
import type { SendOutcome } from './target-format.ts';

const encoder = new TextEncoder();

export function utf8Bytes(value: string): number {
  return encoder.encode(value).length;
}

/**
 * CommonMark backslash escapes for the characters that start markup in chat markdown: emphasis, code,
 * links, headings, tables, HTML tags (WeCom's `<font>`, `<@user>` mentions) and entities. `-`, `+`, `.`
 * and `!` only matter at a line start or before `[`, which data never is.
 */
export function escapeMarkdown(value: string): string {
  return value.replace(/[\\`*_[\]()<>#~|&]/g, '\\$&');
}

/** A line in markdown: data escaped (the router's fixed wording is markup-free), bold runs in `**`. */
export function markdownLine(line: Line): string {
  return line.runs.map(markdownRun).join('');
}

function markdownRun(run: Run): string {
  const value = run.fixed ? run.text : escapeMarkdown(run.text);
  return run.bold ? `**${value}**` : value;
}

/** `🔴 llm-router: 3 down (2/3)`. */
export function titleOf(part: MessagePart): string {
  const counter = part.count > 1 ? ` (${part.index}/${part.count})` : '';
  return `${part.message.icon} ${part.message.title}${counter}`;
}

export function headingOf(section: { heading: string; continued: boolean }): string {
  return section.continued ? `${section.heading} (continued)` : section.heading;
}

/** Mentions ping once per notification: in its first part, and only for alerts. */
export function mentionsOf(part: MessagePart, mentions: readonly string[]): readonly string[] {
  return part.index === 1 && part.message.mention ? mentions : [];
}

/** `{"errcode":0}` (WeCom, DingTalk) and `{"code":0}` (Feishu): HTTP 200 alone is not success. */
export function jsonCodeOutcome(status: number, text: string, field: 'errcode' | 'code'): SendOutcome {
  if (status !== 200) return { ok: false, reason: `HTTP ${status}${snippet(text)}` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, reason: `HTTP 200 with a body that is not JSON${snippet(text)}` };
  }
  const record = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  // Feishu's older robot API answers {"StatusCode":0,"StatusMessage":"success"}.
  const code = record[field] ?? (field === 'code' ? record['StatusCode'] : undefined);
  if (code === 0) return { ok: true };
  const message = record['errmsg'] ?? record['msg'] ?? record['StatusMessage'] ?? '';
  return { ok: false, reason: `${field} ${String(code)}${message === '' ? '' : `: ${String(message)}`}` };
}

/** The start of a response body, for a log line. */
export function snippet(text: string): string {
  const trimmed = text.trim().replace(/\s+/g, ' ');
  return trimmed === '' ? '' : `: ${trimmed.length > 200 ? `${trimmed.slice(0, 200)}…` : trimmed}`;
}

import { headingOf, mentionsOf, snippet, utf8Bytes } from './format-text.ts';
import { plainOf } from './message.ts';
import type { TargetFormat } from './target-format.ts';

/** Our bound on one generic JSON body. */
export const JSON_MAX_BYTES = 65_536;

/**
 * The generic target: a documented JSON schema (docs/alerts.md) carrying both the text of every line and
 * its structured form, for scripts, alert managers or a bridge to another chat. Any 2xx is success.
 */
export const jsonFormat: TargetFormat = {
  limit: `request body ≤ ${JSON_MAX_BYTES} bytes`,
  body(part, mentions) {
    const { message } = part;
    return {
      source: 'llm-router',
      schema: 1,
      kind: message.kind,
      severity: message.severity,
      title: message.title,
      time: new Date(message.at).toISOString(),
      part: part.index,
      parts: part.count,
      mentions: mentionsOf(part, mentions),
      intro: part.intro.map(plainOf),
      sections: part.sections.map((section) => ({
        heading: headingOf(section),
        continued: section.continued,
        lines: section.lines.map(plainOf),
        items: section.lines.map((line) => line.data ?? null),
      })),
    };
  },
  fits: (body) => utf8Bytes(JSON.stringify(body)) <= JSON_MAX_BYTES,
  outcome: (status, text) =>
    status >= 200 && status < 300 ? { ok: true } : { ok: false, reason: `HTTP ${status}${snippet(text)}` },
};

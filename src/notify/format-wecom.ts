import { headingOf, jsonCodeOutcome, markdownLine, mentionsOf, titleOf, utf8Bytes } from './format-text.ts';
import type { TargetFormat, WebhookBody } from './target-format.ts';

/** WeCom rejects markdown content over 4,096 bytes (UTF-8); the Go router's long messages were lost. */
export const WECOM_MAX_BYTES = 4096;

/**
 * WeCom group robot (SPEC §9.5): `{"msgtype":"markdown","markdown":{"content":"..."}}`. Mentions are
 * `<@userid>` in the content; success is `errcode` 0.
 */
export const wecomFormat: TargetFormat = {
  limit: `markdown.content ≤ ${WECOM_MAX_BYTES} bytes`,
  body(part, mentions) {
    const lines = [`## ${titleOf(part)}`];
    const ping = mentionsOf(part, mentions);
    if (ping.length > 0) lines.push(ping.map((id) => `<@${id}>`).join(' '));
    for (const line of part.intro) lines.push(`> ${markdownLine(line)}`);
    for (const section of part.sections) {
      lines.push('', `**${headingOf(section)}**`);
      for (const line of section.lines) lines.push(`- ${markdownLine(line)}`);
    }
    return { msgtype: 'markdown', markdown: { content: lines.join('\n') } };
  },
  fits: (body) => utf8Bytes(contentOf(body)) <= WECOM_MAX_BYTES,
  outcome: (status, text) => jsonCodeOutcome(status, text, 'errcode'),
};

function contentOf(body: WebhookBody): string {
  const markdown = body['markdown'] as { content?: unknown } | undefined;
  return typeof markdown?.content === 'string' ? markdown.content : '';
}

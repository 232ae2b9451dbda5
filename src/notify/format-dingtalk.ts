import { headingOf, jsonCodeOutcome, markdownLine, mentionsOf, titleOf, utf8Bytes } from './format-text.ts';
import type { TargetFormat, WebhookBody } from './target-format.ts';

/** Our bound on one DingTalk markdown text (bytes): a longer chat message is hard to read anyway. */
export const DINGTALK_MAX_BYTES = 16_000;

/**
 * DingTalk group robot: `{"msgtype":"markdown","markdown":{"title","text"},"at":{...}}`. A mention pings
 * only when listed under `at` and written as `@id` in the text: phone numbers go to `atMobiles`, `all`
 * sets `isAtAll`, anything else is a user id. Lines end in two spaces (DingTalk's line break).
 */
export const dingtalkFormat: TargetFormat = {
  limit: `markdown.text ≤ ${DINGTALK_MAX_BYTES} bytes`,
  body(part, mentions) {
    const title = titleOf(part);
    const paragraphs = [`### ${title}`];
    if (part.intro.length > 0)
      paragraphs.push(part.intro.map((line) => `> ${markdownLine(line)}  `).join('\n'));
    for (const section of part.sections) {
      paragraphs.push(`**${headingOf(section)}**`);
      paragraphs.push(section.lines.map((line) => `- ${markdownLine(line)}  `).join('\n'));
    }
    const ping = mentionsOf(part, mentions);
    if (ping.length > 0) paragraphs.push(ping.map((id) => `@${id}`).join(' '));
    return {
      msgtype: 'markdown',
      markdown: { title, text: paragraphs.join('\n\n') },
      at: {
        atMobiles: ping.filter((id) => /^\+?\d{5,}$/.test(id)),
        atUserIds: ping.filter((id) => !/^\+?\d{5,}$/.test(id) && id !== 'all'),
        isAtAll: ping.includes('all'),
      },
    };
  },
  fits: (body) => utf8Bytes(textOf(body)) <= DINGTALK_MAX_BYTES,
  outcome: (status, text) => jsonCodeOutcome(status, text, 'errcode'),
};

function textOf(body: WebhookBody): string {
  const markdown = body['markdown'] as { text?: unknown } | undefined;
  return typeof markdown?.text === 'string' ? markdown.text : '';
}

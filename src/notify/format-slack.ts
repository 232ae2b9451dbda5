import { headingOf, mentionsOf, snippet, titleOf } from './format-text.ts';
import { clip, plainOf } from './message.ts';
import type { TargetFormat, WebhookBody } from './target-format.ts';

/** Slack's block limits, and our bound on a message's text (a longer one is not read in a channel). */
export const SLACK_MAX_BLOCKS = 50;
export const SLACK_MAX_SECTION_CHARS = 3000;
export const SLACK_MAX_HEADER_CHARS = 150;
export const SLACK_MAX_TEXT_CHARS = 12_000;

type TextObject = { type: 'plain_text' | 'mrkdwn'; text: string };
type Block = { type: 'header' | 'section'; text: TextObject };

/**
 * Slack incoming webhook with Block Kit. Data goes into `plain_text` sections, which Slack never
 * formats, so a model name cannot become a link or a mention; only our own headings and the configured
 * mentions are `mrkdwn`. Success is HTTP 200 with the body `ok`.
 */
export const slackFormat: TargetFormat = {
  limit: `≤ ${SLACK_MAX_BLOCKS} blocks, section text ≤ ${SLACK_MAX_SECTION_CHARS} characters, ≤ ${SLACK_MAX_TEXT_CHARS} characters in all`,
  body(part, mentions) {
    const title = titleOf(part);
    const blocks: Block[] = [
      { type: 'header', text: { type: 'plain_text', text: clip(title, SLACK_MAX_HEADER_CHARS) } },
    ];
    const ping = mentionsOf(part, mentions);
    if (ping.length > 0)
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: ping.map(slackMention).join(' ') } });
    blocks.push(...plainSections(part.intro.map(plainOf)));
    for (const section of part.sections) {
      blocks.push({
        type: 'section',
        text: { type: 'mrkdwn', text: `*${escapeSlack(headingOf(section))}*` },
      });
      blocks.push(...plainSections(section.lines.map((line) => `• ${plainOf(line)}`)));
    }
    // The notification preview: our words and counts only.
    return { text: escapeSlack(title), blocks };
  },
  fits(body) {
    const blocks = blocksOf(body);
    if (blocks.length > SLACK_MAX_BLOCKS) return false;
    let total = 0;
    for (const block of blocks) {
      const max = block.type === 'header' ? SLACK_MAX_HEADER_CHARS : SLACK_MAX_SECTION_CHARS;
      if (block.text.text.length > max) return false;
      total += block.text.text.length;
    }
    return total <= SLACK_MAX_TEXT_CHARS;
  },
  outcome(status, text) {
    if (status === 200 && text.trim() === 'ok') return { ok: true };
    return { ok: false, reason: `HTTP ${status}${snippet(text)}` };
  },
};

/** Lines into as few `plain_text` sections as the per-section limit allows, never splitting a line. */
function plainSections(lines: readonly string[]): Block[] {
  const blocks: Block[] = [];
  let current = '';
  for (const line of lines) {
    if (current !== '' && current.length + 1 + line.length > SLACK_MAX_SECTION_CHARS) {
      blocks.push({ type: 'section', text: { type: 'plain_text', text: current } });
      current = '';
    }
    current = current === '' ? line : `${current}\n${line}`;
  }
  if (current !== '') blocks.push({ type: 'section', text: { type: 'plain_text', text: current } });
  return blocks;
}

/** Slack's three control characters in mrkdwn. */
function escapeSlack(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function slackMention(id: string): string {
  if (id === 'here' || id === 'channel' || id === 'everyone') return `<!${id}>`;
  if (id.startsWith('S')) return `<!subteam^${id}>`;
  return `<@${id}>`;
}

function blocksOf(body: WebhookBody): Block[] {
  const blocks = body['blocks'];
  return Array.isArray(blocks) ? (blocks as Block[]) : [];
}

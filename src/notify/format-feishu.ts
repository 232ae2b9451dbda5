import { headingOf, jsonCodeOutcome, mentionsOf, titleOf, utf8Bytes } from './format-text.ts';
import type { Line } from './message.ts';
import type { TargetFormat } from './target-format.ts';

/** Feishu / Lark refuse custom-robot request bodies over 20 KB. */
export const FEISHU_MAX_BYTES = 20_000;
/** Room for the `timestamp` and `sign` a signed robot adds to the body after fitting. */
const SIGNATURE_ROOM = 120;

type PostElement = { tag: 'text'; text: string; style?: string[] } | { tag: 'at'; user_id: string };

/**
 * Feishu / Lark custom robot, rich-text `post` message. Every piece of data is a `text` element, which
 * Feishu shows literally: nothing in a model name or error can become markup. Mentions are `at`
 * elements (`all` mentions everyone); success is `code` 0.
 */
export const feishuFormat: TargetFormat = {
  limit: `request body ≤ ${FEISHU_MAX_BYTES} bytes`,
  body(part, mentions) {
    const content: PostElement[][] = [];
    const ping = mentionsOf(part, mentions);
    if (ping.length > 0) content.push(ping.map((id) => ({ tag: 'at', user_id: id })));
    for (const line of part.intro) content.push(elements(line));
    for (const section of part.sections) {
      content.push([{ tag: 'text', text: headingOf(section), style: ['bold'] }]);
      for (const line of section.lines) content.push([{ tag: 'text', text: '• ' }, ...elements(line)]);
    }
    return { msg_type: 'post', content: { post: { zh_cn: { title: titleOf(part), content } } } };
  },
  fits: (body) => utf8Bytes(JSON.stringify(body)) + SIGNATURE_ROOM <= FEISHU_MAX_BYTES,
  outcome: (status, text) => jsonCodeOutcome(status, text, 'code'),
};

function elements(line: Line): PostElement[] {
  return line.runs.map((run) =>
    run.bold ? { tag: 'text', text: run.text, style: ['bold'] } : { tag: 'text', text: run.text },
  );
}

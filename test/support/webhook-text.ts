import type { WebhookType } from '../../src/config/main-config-schema.ts';

type Body = { readonly [key: string]: unknown };

/** The text a reader sees in one webhook body of `type`, for assertions across formats. */
export function webhookText(type: WebhookType, body: Body): string {
  switch (type) {
    case 'wecom':
      return String((body['markdown'] as { content: string }).content);
    case 'dingtalk':
      return String((body['markdown'] as { text: string }).text);
    case 'feishu': {
      const post = (body['content'] as { post: { zh_cn: { title: string; content: { text?: string }[][] } } })
        .post.zh_cn;
      return [
        post.title,
        ...post.content.map((paragraph) => paragraph.map((e) => e.text ?? '').join('')),
      ].join('\n');
    }
    case 'slack':
      return (body['blocks'] as { text: { text: string } }[]).map((block) => block.text.text).join('\n');
    case 'json': {
      const sections = body['sections'] as { heading: string; lines: string[] }[];
      return [
        String(body['title']),
        ...(body['intro'] as string[]),
        ...sections.flatMap((s) => [s.heading, ...s.lines]),
      ].join('\n');
    }
  }
}

/** The message title (first line a reader sees), per format. */
export function webhookTitle(type: WebhookType, body: Body): string {
  return webhookText(type, body).split('\n')[0] ?? '';
}

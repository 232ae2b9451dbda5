import { describe, expect, it } from 'vitest';
import type { WebhookType } from '../../src/config/main-config-schema.ts';
import type { WebhookTarget } from '../../src/config/webhook-targets.ts';
import { alertMessage } from '../../src/notify/alert-message.ts';
import { redactorFor, targetLabel } from '../../src/notify/redact.ts';
import { reportMessage } from '../../src/notify/report-message.ts';
import { signRequest } from '../../src/notify/sign-request.ts';
import { formatFor, renderParts, type WebhookBody } from '../../src/notify/target-format.ts';
import { webhookText } from '../support/webhook-text.ts';
import { AT, backend, change, live, pool, view } from './fixtures.ts';

const TYPES: readonly WebhookType[] = ['wecom', 'feishu', 'dingtalk', 'slack', 'json'];
const encoder = new TextEncoder();
const bytes = (value: string) => encoder.encode(value).length;

/** Each target's published (or, for DingTalk and JSON, our) limit, checked independently of the format code. */
async function withinLimit(type: WebhookType, body: WebhookBody): Promise<boolean> {
  switch (type) {
    case 'wecom':
      return bytes(webhookText('wecom', body)) <= 4096;
    case 'dingtalk':
      return bytes(webhookText('dingtalk', body)) <= 16_000;
    case 'feishu': {
      const target: WebhookTarget = {
        type,
        url: 'https://open.feishu.cn/x',
        secret: 'sec',
        mentions: [],
        key: 'k',
      };
      const signed = await signRequest(target, body, AT);
      return bytes(JSON.stringify(signed.body)) <= 20_000;
    }
    case 'slack': {
      const blocks = body['blocks'] as { type: string; text: { text: string } }[];
      const total = blocks.reduce((sum, b) => sum + b.text.text.length, 0);
      return (
        blocks.length <= 50 &&
        blocks.every((b) => b.text.text.length <= (b.type === 'header' ? 150 : 3000)) &&
        total <= 12_000
      );
    }
    case 'json':
      return bytes(JSON.stringify(body)) <= 65_536;
  }
}

describe('a 300-backend outage', () => {
  const MODELS = ['通义千问-Max-长上下文', 'Llama-3.1-70B-Instruct', 'Qwen3-8B'];
  const changes = Array.from({ length: 300 }, (_, i) => {
    const b = backend(MODELS[i % 3]!, `http://10.${Math.floor(i / 250)}.${i % 250}.7:8000/v1`);
    return change(b, 'down', {
      reason: `probe: connect failed: ECONNREFUSED (attempt ${i}) — 节点无响应，请检查 GPU 驱动与 vLLM 进程状态`,
    });
  });
  const message = alertMessage({ changes, configs: [], untracked: 0 }, AT);

  for (const type of TYPES) {
    it(`${type}: every message within the limit, whole lines only, every backend named or counted`, async () => {
      const parts = renderParts(formatFor(type), message, ['oncall']);
      expect(parts.length).toBeLessThanOrEqual(message.maxParts);
      for (const { body } of parts) expect(await withinLimit(type, body)).toBe(true);
      const text = parts.map(({ body }) => webhookText(type, body)).join('\n');
      const named = new Set(text.match(/http:\/\/10\.\d+\.\d+\.7:8000\/v1/g) ?? []);
      // Whole lines: every backend named carries its line's last words.
      const lines = text.split('\n').filter((line) => /http:\/\/10\./.test(line));
      for (const line of lines) expect(line).toMatch(/\(probe\)\s*$/);
      const summary = /…and (\d+) more down: (.*)$/m.exec(text);
      const counted = summary ? Number(summary[1]) : 0;
      expect(named.size + counted).toBe(300);
      // Per model, named + summarised is exactly the 100 each model lost.
      for (const model of MODELS) {
        const namedHere = changes.filter((c) => c.model === model && named.has(c.apiBase)).length;
        const inSummary = Number(
          new RegExp(`${model.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} ×(\\d+)`).exec(
            summary?.[2] ?? '',
          )?.[1] ?? 0,
        );
        expect(namedHere + inSummary).toBe(100);
      }
      if (type === 'json') {
        const items = parts.flatMap(({ body }) =>
          (body['sections'] as { items: { event: string; count?: number }[] }[]).flatMap((s) => s.items),
        );
        const downs = items.filter((item) => item.event === 'down').length;
        const omitted = items.find((item) => item.event === 'omitted')?.count ?? 0;
        expect(downs + omitted).toBe(300);
      }
    });
  }

  it('a report over 300 backends and 150 models is one message per target, summarised with exact counts', async () => {
    const backends = Array.from({ length: 300 }, (_, i) =>
      backend(`model-${i % 150}`, `http://10.9.${i}.1:8000/v1`),
    );
    const report = reportMessage({
      kind: 'startup',
      view: view(backends.map((b, i) => live(b.id, { healthy: i % 4 !== 0, lastError: 'probe: timeout' }))),
      snapshot: pool(backends),
      now: AT,
      since: AT - 5000,
      baseline: null,
    });
    for (const type of TYPES) {
      const parts = renderParts(formatFor(type), report, []);
      expect(parts).toHaveLength(1);
      expect(await withinLimit(type, parts[0]!.body)).toBe(true);
      const text = webhookText(type, parts[0]!.body);
      expect(text).toContain('225/300 backends healthy, 150 models');
      const shown = (text.match(/model-\d+\W*: \d\/2 healthy/g) ?? []).length;
      const more = /…and (\d+) more models: (\d+)\/(\d+) backends healthy/.exec(text);
      expect(shown + Number(more?.[1])).toBe(150);
    }
  });
});

describe('names are data', () => {
  const evil = '*bold* [link](http://x) <font color="warning">x</font> <@all> `code` _it_ &lt;\n## injected';
  const b = backend(evil, 'http://10.0.0.9:8000/v1');
  const message = alertMessage(
    {
      changes: [
        change(b, 'down', { reason: '**oops** [click](http://evil.example) <at user_id="all"></at>' }),
      ],
      configs: [],
      untracked: 0,
    },
    AT,
  );
  const bodyOf = (type: WebhookType) => renderParts(formatFor(type), message, ['oncall'])[0]!.body;

  for (const type of ['wecom', 'dingtalk'] as const) {
    it(`${type}: markdown in a model name or error is escaped, line breaks cannot start new markup`, () => {
      const text = webhookText(type, bodyOf(type));
      expect(text).toContain(
        '\\*bold\\* \\[link\\]\\(http://x\\) \\<font color="warning"\\>x\\</font\\> \\<@all\\> \\`code\\` \\_it\\_ \\&lt;',
      );
      expect(text).toContain('\\*\\*oops\\*\\* \\[click\\]\\(http://evil.example\\)');
      // Unescaped markup from the data would be one of these.
      expect(text).not.toMatch(/(^|[^\\])\[link\]/);
      expect(text).not.toMatch(/(^|[^\\])<font/);
      expect(text).not.toMatch(/(^|[^\\])<@all>/);
      expect(text.split('\n').some((line) => line.startsWith('## injected'))).toBe(false);
    });
  }

  it('feishu: data travels as plain text elements; only configured mentions are @ elements', () => {
    const body = bodyOf('feishu');
    const post = (
      body['content'] as {
        post: { zh_cn: { content: { tag: string; text?: string; user_id?: string }[][] } };
      }
    ).post.zh_cn;
    const elements = post.content.flat();
    expect(elements.filter((e) => e.tag !== 'text')).toEqual([{ tag: 'at', user_id: 'oncall' }]);
    expect(elements.some((e) => e.text === evil.replace('\n', ' '))).toBe(true);
  });

  it('slack: data is only ever in plain_text blocks (Slack formats nothing there)', () => {
    const blocks = bodyOf('slack')['blocks'] as { text: { type: string; text: string } }[];
    for (const block of blocks.filter((bl) => bl.text.type === 'mrkdwn')) {
      expect(block.text.text).not.toContain('bold');
      expect(block.text.text).not.toContain('oops');
    }
    expect(
      blocks.some((bl) => bl.text.type === 'plain_text' && bl.text.text.includes(evil.replace('\n', ' '))),
    ).toBe(true);
  });

  it('json: structured items keep the exact value (JSON-escaped); text lines have it sanitised', () => {
    const sections = bodyOf('json')['sections'] as { items: { model: string }[]; lines: string[] }[];
    expect(sections[0]?.items[0]?.model).toBe(evil);
    expect(sections[0]?.lines[0]).toContain(evil.replace('\n', ' '));
  });

  it('bidirectional overrides and control characters never reach a message', () => {
    const sneaky = backend('gpt\u202e4-o\u0007', 'http://10.0.0.8:8000/v1');
    const m = alertMessage({ changes: [change(sneaky, 'down')], configs: [], untracked: 0 }, AT);
    for (const type of TYPES) {
      const text = webhookText(type, renderParts(formatFor(type), m, [])[0]!.body);
      expect(text).toContain('gpt 4-o ');
      expect(text.includes('\u202e') || text.includes('\u0007')).toBe(false);
    }
  });
});

describe('secrets stay out', () => {
  it('backend keys never appear in alerts or reports, in any format', () => {
    const b = backend('m', 'http://10.0.0.1:8000/v1', 'sk-live-THIS-IS-A-KEY');
    const alert = alertMessage({ changes: [change(b, 'down')], configs: [], untracked: 0 }, AT);
    const report = reportMessage({
      kind: 'startup',
      view: view([live(b.id)]),
      snapshot: pool([b]),
      now: AT,
      since: AT,
      baseline: null,
    });
    for (const type of TYPES)
      for (const message of [alert, report])
        expect(JSON.stringify(renderParts(formatFor(type), message, [])[0]!.body)).not.toContain(
          'THIS-IS-A-KEY',
        );
  });

  it('a webhook is named by type, config key and host only; its URL secrets are scrubbed from error text', () => {
    const target: WebhookTarget = {
      type: 'wecom',
      url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa',
      secret: null,
      mentions: [],
      key: 'webhook.url',
    };
    expect(targetLabel(target)).toBe('wecom webhook.url (qyapi.weixin.qq.com)');
    const redact = redactorFor(target);
    const error = `fetch ${target.url} failed; key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa`;
    expect(redact(error)).not.toContain('693a91f6');
    const slack: WebhookTarget = {
      ...target,
      type: 'slack',
      url: 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
    };
    expect(
      redactorFor(slack)('POST /services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX: 404'),
    ).not.toContain('XXXXXXXX');
    const dingtalk: WebhookTarget = { ...target, type: 'dingtalk', secret: 'SECabcdef0123456789' };
    expect(redactorFor(dingtalk)('bad SECabcdef0123456789')).toBe('bad ***');
  });
});

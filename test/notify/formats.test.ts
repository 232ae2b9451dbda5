import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WebhookType } from '../../src/config/main-config-schema.ts';
import { alertMessage } from '../../src/notify/alert-message.ts';
import { reportMessage } from '../../src/notify/report-message.ts';
import { baselineOf } from '../../src/notify/report-stats.ts';
import { formatFor, renderParts } from '../../src/notify/target-format.ts';
import { webhookText } from '../support/webhook-text.ts';
import { AT, backend, change, cumulative, live, pool, view } from './fixtures.ts';

const TYPES: readonly WebhookType[] = ['wecom', 'feishu', 'dingtalk', 'slack', 'json'];
const MENTIONS: Record<WebhookType, string[]> = {
  wecom: ['zhangsan'],
  feishu: ['ou_7d8a6e6df7621556ce0d21922b676706ccs'],
  dingtalk: ['13800000000', 'manager7140'],
  slack: ['U024BE7LH', 'here'],
  json: ['oncall'],
};

const qwen1 = backend('Qwen3-8B', 'http://10.0.0.1:8000/v1');
const qwen2 = backend('Qwen3-8B', 'http://10.0.0.2:8000/v1');
const big1 = backend('Qwen3-235B-A22B', 'http://10.0.1.1:8000/v1');
const big2 = backend('Qwen3-235B-A22B', 'http://10.0.1.2:8000/v1');

const alert = alertMessage(
  {
    changes: [
      change(qwen1, 'down', { reason: 'connect failed: ECONNREFUSED' }),
      change(big1, 'relapsed', { cause: 'traffic', reason: 'upstream status 502', transitions: 3 }),
      change(qwen2, 'recovered'),
      change(big2, 'blip', { reason: 'timeout waiting for upstream headers' }),
    ],
    configs: [
      {
        file: 'configs/self_deployed_config.yaml',
        message: 'model_list[3].litellm_params.api_base: must be an absolute http(s) URL',
        firstAt: AT - 30_000,
        at: AT - 30_000,
        count: 1,
      },
    ],
    untracked: 0,
  },
  AT,
);

const reportView = view(
  [
    live(qwen1.id, { attempts: 5200, successes: 5190, failures: 10 }),
    live(qwen2.id, { attempts: 5100, successes: 5100 }),
    live(big1.id, { healthy: false, attempts: 900, failures: 120, lastError: 'upstream status 502' }),
    live(big2.id, { attempts: 1000, successes: 1000 }),
  ],
  {
    requests: 12_000,
    successes: 11_880,
    failures: 40,
    rejected: 80,
    attempts: 12_200,
    latencyCumulative: cumulative([
      [0.8, 6000],
      [2, 5500],
      [20, 500],
    ]),
    ttftCumulative: cumulative([
      [0.04, 9000],
      [0.3, 2800],
      [4, 200],
    ]),
    ttftCount: 12_000,
  },
);
const reportPool = pool([qwen1, qwen2, big1, big2]);
const periodic = reportMessage({
  kind: 'periodic',
  view: reportView,
  snapshot: reportPool,
  now: AT,
  since: AT - 3_600_000,
  baseline: null,
});
const startup = reportMessage({
  kind: 'startup',
  view: view([
    live(qwen1.id),
    live(qwen2.id),
    live(big1.id, { healthy: false, lastError: 'probe: connect failed: ECONNREFUSED' }),
    live(big2.id),
  ]),
  snapshot: reportPool,
  now: AT,
  since: AT - 5000,
  baseline: null,
});

describe('message formats (snapshots: docs/alerts.md shows these)', () => {
  for (const type of TYPES) {
    it(`${type}: alert, periodic report and startup report`, async () => {
      const format = formatFor(type);
      for (const [name, message] of [
        ['alert', alert],
        ['report', periodic],
        ['startup', startup],
      ] as const) {
        const parts = renderParts(format, message, MENTIONS[type]);
        expect(parts).toHaveLength(1);
        await expect(`${JSON.stringify(parts[0]?.body, null, 2)}\n`).toMatchFileSnapshot(
          `__snapshots__/${type}-${name}.json`,
        );
      }
    });
  }

  it('the report carries request statistics since the last report and per-model health', () => {
    const text = webhookText('json', renderParts(formatFor('json'), periodic, [])[0]!.body);
    expect(text).toContain('12,000 requests · 11,880 succeeded · 40 failed · success rate 99.6 %');
    expect(text).toMatch(/latency p50 [\d.]+ m?s · p99 [\d.]+ m?s/);
    expect(text).toContain('Qwen3-235B-A22B: 1/2 healthy');
    expect(text).toContain('Qwen3-235B-A22B http://10.0.1.1:8000/v1 — DOWN · 120 failed of 900 attempts');
    // Since a baseline, only the difference counts.
    const next = reportMessage({
      kind: 'periodic',
      view: reportView,
      snapshot: reportPool,
      now: AT + 3_600_000,
      since: AT,
      baseline: baselineOf(reportView),
    });
    expect(webhookText('json', renderParts(formatFor('json'), next, [])[0]!.body)).toContain(
      '0 requests · 0 succeeded · 0 failed',
    );
  });

  it('docs/alerts.md shows exactly what is sent', () => {
    const docs = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'alerts.md'), 'utf8');
    for (const type of TYPES) {
      const example = new RegExp(`<!-- example: ${type}-alert -->\\n\`\`\`json\\n([\\s\\S]*?)\\n\`\`\``).exec(
        docs,
      );
      expect(example, `${type} example in docs/alerts.md`).not.toBeNull();
      expect(JSON.parse(example![1]!)).toEqual(renderParts(formatFor(type), alert, MENTIONS[type])[0]?.body);
    }
    const wecom = renderParts(formatFor('wecom'), periodic, [])[0]?.body as { markdown: { content: string } };
    expect(docs).toContain(wecom.markdown.content);
  });

  it('mentions ping in alerts only, never in reports', () => {
    for (const type of TYPES) {
      const [report] = renderParts(formatFor(type), periodic, MENTIONS[type]);
      expect(JSON.stringify(report?.body)).not.toContain(MENTIONS[type][0]);
      const [first] = renderParts(formatFor(type), alert, MENTIONS[type]);
      expect(JSON.stringify(first?.body)).toContain(MENTIONS[type][0]);
    }
  });
});

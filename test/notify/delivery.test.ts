import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createUndiciTransport } from '../../adapters/node/undici-transport.ts';
import type { WebhookType } from '../../src/config/main-config-schema.ts';
import type { WebhookTarget } from '../../src/config/webhook-targets.ts';
import type { LogFields, Logger } from '../../src/core/logger.ts';
import { alertMessage } from '../../src/notify/alert-message.ts';
import { DEFAULT_DELIVERY_TUNING, type DeliveryTuning } from '../../src/notify/deliver-payload.ts';
import { TargetDelivery } from '../../src/notify/target-delivery.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';
import { webhookText } from '../support/webhook-text.ts';
import { AT, backend, change } from './fixtures.ts';

const TYPES: readonly WebhookType[] = ['wecom', 'feishu', 'dingtalk', 'slack', 'json'];
const SECRETS = { feishu: 'feishu-signing-secret', dingtalk: 'SECdingtalk0123456789' };

function captureLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const put = (level: string) => (message: string, fields?: LogFields) => {
    lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  };
  return { lines, debug: put('debug'), info: put('info'), warn: put('warn'), error: put('error') };
}

const transport = createUndiciTransport({
  connectTimeoutMs: 2000,
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 10_000,
  requestTimeoutMs: 10_000,
  maxConnsPerHost: 0,
  keepAliveTimeoutMs: 4000,
});

const message = (n = 1) =>
  alertMessage(
    { changes: [change(backend(`m${n}`, `http://10.0.0.${n}:8000/v1`), 'down')], configs: [], untracked: 0 },
    AT,
  );

describe('webhook delivery over real sockets', () => {
  let receiver: WebhookReceiver;
  let clock: FakeClock;
  let log: ReturnType<typeof captureLog>;
  beforeAll(async () => {
    receiver = await startWebhookReceiver({ secrets: SECRETS });
  });
  afterEach(() => {
    receiver.setMode('all', 'ok');
    receiver.requests.length = 0;
  });
  afterAll(async () => {
    await receiver.close();
    await transport.destroy();
  });

  const delivery = (type: WebhookType, tuning: Partial<DeliveryTuning> = {}, timeoutMs = 2000) => {
    clock = new FakeClock(Date.now());
    log = captureLog();
    const target: WebhookTarget = {
      type,
      url: receiver.urlFor(type),
      secret: type === 'feishu' || type === 'dingtalk' ? SECRETS[type] : null,
      mentions: [],
      key: `webhook.targets[0]`,
    };
    return new TargetDelivery(target, {
      transport,
      clock,
      random: () => 0.5,
      log,
      tuning: { ...DEFAULT_DELIVERY_TUNING, ...tuning },
      timeoutMs: () => timeoutMs,
    });
  };

  for (const type of TYPES) {
    it(`${type}: the target's own error signal is retried with backoff until it succeeds`, async () => {
      const d = delivery(type);
      receiver.setMode(type, 'error', 2);
      d.enqueue(message());
      await d.settled();
      expect(receiver.requests.map((r) => r.answered)).toEqual(['error', 'error', 'ok']);
      expect(d.stats).toMatchObject({ delivered: 1, failed: 0, dropped: 0 });
      // Backoff 1 s then 2 s (jitter drawn at its midpoint here).
      expect(clock.sleeps).toEqual([1000, 2000]);
      // Signed targets were signed on every attempt, with a signature the receiver verifies.
      if (type === 'feishu' || type === 'dingtalk')
        expect(receiver.requests.every((r) => r.signatureOk)).toBe(true);
      expect(webhookText(type, receiver.delivered(type)[0]!.body)).toContain('m1');
    });
  }

  it('HTTP 500 is retried; after maxAttempts the failure is logged once, without the URL or its key', async () => {
    const d = delivery('wecom', { maxAttempts: 3 });
    receiver.setMode('wecom', 'http500');
    d.enqueue(message());
    await d.settled();
    expect(receiver.requests).toHaveLength(3);
    expect(d.stats).toMatchObject({ delivered: 0, failed: 1 });
    const warnings = log.lines.filter((line) => line.startsWith('warn'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('webhook delivery failed');
    expect(warnings[0]).toContain('HTTP 500');
    expect(warnings[0]).toContain('wecom webhook.targets[0] (127.0.0.1:');
    expect(log.lines.join('\n')).not.toContain('KEY0123456789abcdef');
  });

  it('a hanging webhook is abandoned after the timeout, and the next message says what was lost', async () => {
    const d = delivery('json', { maxAttempts: 2 }, 200);
    receiver.setMode('json', 'hang', 2);
    const started = Date.now();
    d.enqueue(message(1));
    await d.settled();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(d.stats.failed).toBe(1);
    expect(log.lines.join('\n')).toContain('no answer within 200 ms');
    d.enqueue(message(2));
    await d.settled();
    const [delivered] = receiver.delivered('json');
    expect(delivered?.body['intro']).toEqual([
      '⚠ 1 earlier notification to this channel could not be delivered (see the router log)',
    ]);
  });

  it('the queue is bounded: beyond queueLimit the oldest are dropped, counted and reported', async () => {
    const d = delivery('slack', { maxAttempts: 1, queueLimit: 5 }, 300);
    receiver.setMode('slack', 'hang', 1);
    for (let i = 1; i <= 30; i++) d.enqueue(message(i));
    expect(d.stats.queued).toBeLessThanOrEqual(5);
    await d.settled();
    // The first was sent (and hung), 29 queued behind it: 24 dropped, the 5 newest delivered.
    expect(d.stats).toMatchObject({ dropped: 24, failed: 1, delivered: 5, queued: 0 });
    const texts = receiver.delivered('slack').map((r) => webhookText('slack', r.body));
    expect(texts[0]).toContain('25 earlier notifications to this channel could not be delivered');
    expect(texts.map((t) => /m(\d+)/.exec(t.split('\n').find((l) => l.startsWith('•')) ?? '')?.[1])).toEqual([
      '26',
      '27',
      '28',
      '29',
      '30',
    ]);
    expect(log.lines.filter((line) => line.includes('webhook queue full'))).toHaveLength(1);
  });
});

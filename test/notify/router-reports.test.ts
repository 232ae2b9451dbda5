import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlmRouter } from '../../src/router/llm-router.ts';
import type { SimServer } from '../../tools/sim/index.ts';
import { backendYaml, routerFor, send } from '../support/core-router.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { closeAll, startSims } from '../support/router-fixture.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';
import { webhookText } from '../support/webhook-text.ts';

/**
 * The router's notify background task on an injected clock: startup report after the first probe round,
 * a periodic report every report_interval_idle with the requests since the last one, and after a health
 * change the alert with the report at report_interval_active.
 */
describe('reports from a router on an injected clock', () => {
  let sim: SimServer;
  let receiver: WebhookReceiver;
  let clock: FakeClock;
  let router: LlmRouter;

  const reports = () =>
    receiver
      .delivered('json')
      .map((r) => webhookText('json', r.body))
      .filter((text) => text.includes('llm-router report:'));
  /** One look of the scheduler at `clock`, then wait for what it started (deliveries included). */
  const tick = async (advanceMs: number) => {
    clock.advance(advanceMs);
    router.background.runDue();
    await router.background.settled();
  };

  beforeAll(async () => {
    [sim] = (await startSims([{ models: ['m'], ttftMs: 0 }])) as [SimServer];
    receiver = await startWebhookReceiver();
    clock = new FakeClock(Date.now());
    router = await routerFor(
      backendYaml([{ url: sim.url, weight: 1 }]),
      JSON.stringify({
        health_check: { interval: 3600, failure_threshold: 1, timeout: 2 },
        monitor: { collect_interval: 3600 },
        webhook: {
          enabled: true,
          batch_interval: 10,
          report_interval_active: 60,
          report_interval_idle: 600,
          targets: [{ type: 'json', url: receiver.urlFor('json') }],
        },
      }),
      clock,
    );
  });

  afterAll(async () => {
    await closeAll([sim]);
    await receiver.close();
  });

  it('startup report once the first round has probed every backend', async () => {
    await tick(0);
    expect(receiver.delivered('json')).toHaveLength(0);
    // The round's results are in; the startup report looks again 2 s later.
    await tick(2000);
    const [startup] = receiver.delivered('json');
    expect(startup?.body['kind']).toBe('startup');
    expect(webhookText('json', startup!.body)).toContain('started: 1/1 backends healthy, 1 models');
  });

  it('a report every report_interval_idle, with the requests since the previous one', async () => {
    for (let i = 0; i < 10; i++) expect((await send(router)).status).toBe(200);
    await tick(599_000);
    expect(reports()).toHaveLength(0);
    await tick(1000);
    expect(reports()).toHaveLength(1);
    expect(reports()[0]).toContain('10 requests · 10 succeeded · 0 failed · success rate 100.0 %');
    for (let i = 0; i < 3; i++) await send(router);
    await tick(600_000);
    expect(reports()[1]).toContain('3 requests · 3 succeeded');
  });

  it('after a health change: the alert after batch_interval, the next report at report_interval_active', async () => {
    // The last report went out just now.
    await sim.stop();
    await router.background.runNow('health');
    await tick(9_000);
    expect(receiver.delivered('json').filter((r) => r.body['kind'] === 'alert')).toHaveLength(0);
    await tick(1000);
    const alerts = receiver.delivered('json').filter((r) => r.body['kind'] === 'alert');
    expect(alerts).toHaveLength(1);
    expect(webhookText('json', alerts[0]!.body)).toContain('Down (1)');
    await sim.start();
    await router.background.runNow('health');
    await tick(10_000);
    expect(
      receiver.delivered('json').filter((r) => webhookText('json', r.body).includes('Recovered (1)')),
    ).toHaveLength(1);
    // 60 s after the last report, not 600.
    await tick(39_000);
    expect(reports()).toHaveLength(2);
    await tick(1000);
    expect(reports()).toHaveLength(3);
    expect(reports()[2]).toContain('report: 1/1 healthy');
    // Nothing changed since: back to report_interval_idle.
    await tick(599_000);
    expect(reports()).toHaveLength(3);
    await tick(1000);
    expect(reports()).toHaveLength(4);
  });
});

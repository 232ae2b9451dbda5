import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../tools/sim/index.ts';
import { closeAll, startSims } from '../support/router-fixture.ts';
import { chatJson } from '../support/sse.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';
import { webhookText } from '../support/webhook-text.ts';
import { startWorkerTarget, type WorkerTarget, type WorkerTargetOptions } from './worker-target.ts';

const KEY = 'notify-key';
const headers = { 'content-type': 'application/json', authorization: `Bearer ${KEY}` };

/**
 * The notifier on Workers: two isolates each see one backend fail (a passive ejection on their own
 * request path), and the one notifier object sends one batched alert naming both. Its decisions survive
 * a restart of every object: the recovery still comes, the startup report does not come twice.
 */
describe('webhook notifier on the Worker (workerd, two isolates)', () => {
  let receiver: WebhookReceiver;
  let sims: SimServer[];
  let dir: string;
  let options: WorkerTargetOptions;
  const workers: WorkerTarget[] = [];

  const texts = (needle: string) =>
    receiver
      .delivered('json')
      .map((r) => webhookText('json', r.body))
      .filter((text) => text.includes(needle));

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    sims = await startSims([
      { models: ['a'], faults: { failInferenceOnly: true } },
      { models: ['b'], faults: { failInferenceOnly: true } },
    ]);
    dir = await mkdtemp(join(tmpdir(), 'llm-router-notifier-'));
    options = {
      main: {
        server: { api_keys: [KEY] },
        health_check: { interval: 60, failure_threshold: 1, timeout: 2 },
        retry: { failure_threshold: 2 },
        monitor: { collect_interval: 3600 },
        webhook: {
          enabled: true,
          batch_interval: 1.5,
          cooldown_seconds: 1,
          targets: [
            { type: 'json', url: receiver.urlFor('json') },
            { type: 'wecom', url: receiver.urlFor('wecom') },
          ],
        },
      },
      backends: [
        { model_name: 'a', api_base: sims[0]! },
        { model_name: 'b', api_base: sims[1]! },
      ],
      secondIsolate: true,
      persistDir: dir,
    };
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.close()));
    await closeAll(sims);
    await receiver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends the startup report once the first probe round is in', async () => {
    const worker = await startWorkerTarget(options);
    workers.push(worker);
    await worker.cron();
    expect(await receiver.waitFor(() => texts('started: 2/2 backends healthy').length === 1, 10_000)).toBe(
      true,
    );
  });

  it('failures seen by two isolates make one batched alert', async () => {
    const [worker] = workers;
    const first = await fetch(`${worker!.url}/v1/chat/completions`, {
      method: 'POST',
      headers,
      body: chatJson('a'),
    });
    const second = await worker!.fetchSecond('/v1/chat/completions', {
      method: 'POST',
      headers,
      body: chatJson('b'),
    });
    expect([first.status, second.status]).toEqual([502, 502]);
    expect(await receiver.waitFor(() => texts('Down (').length > 0, 10_000)).toBe(true);
    // Past another window: still exactly one alert, naming both backends.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const alerts = texts('Down (');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toContain('Down (2)');
    expect(alerts[0]).toContain(`127.0.0.1:${sims[0]!.port}/v1`);
    expect(alerts[0]).toContain(`127.0.0.1:${sims[1]!.port}/v1`);
    expect(alerts[0]).toContain('(traffic)');
    const wecom = receiver
      .delivered('wecom')
      .filter((r) => webhookText('wecom', r.body).includes('Down (2)'));
    expect(wecom).toHaveLength(1);
  });

  it('after every object restarts: the recovery of what was reported down, and no second startup report', async () => {
    await workers.pop()?.close();
    for (const sim of sims) sim.setFaults({ failInferenceOnly: false });
    const worker = await startWorkerTarget(options);
    workers.push(worker);
    await worker.cron(7_200_000);
    expect(await receiver.waitFor(() => texts('Recovered (2)').length === 1, 10_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(texts('started:')).toHaveLength(1);
    expect(texts('Recovered (')).toHaveLength(1);
  });
});

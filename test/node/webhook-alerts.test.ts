import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookType } from '../../src/config/main-config-schema.ts';
import type { SimServer } from '../../tools/sim/index.ts';
import { answers200, type CliProcess, freePort, killAllCli, spawnCli } from '../support/cli.ts';
import {
  type ConfigDir,
  type ConfigTree,
  closeAll,
  defaultMainConfig,
  mergeConfig,
  startSims,
  waitFor,
  writeConfigDir,
} from '../support/router-fixture.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';
import { webhookText } from '../support/webhook-text.ts';

const TYPES: readonly WebhookType[] = ['wecom', 'feishu', 'dingtalk', 'slack', 'json'];
const SECRETS = { feishu: 'feishu-signing-secret-e2e', dingtalk: 'SECdingtalk-e2e-0123456789' };
const BACKEND_KEY = 'sk-live-BACKEND-KEY-never-shown';
const INTERVAL_S = 0.3;
const FAILURE_THRESHOLD = 2;
/** Slack on top of `failure_threshold × interval + batch_interval`: process scheduling on a shared box. */
const SLACK_MS = 3000;

/**
 * The real `llm-router` process, simulated backends and a receiver standing in for all five services:
 * a dead backend gives one batched alert per target, its return one recovery, and a restart none.
 */
describe('webhook alerts from the llm-router process', () => {
  let receiver: WebhookReceiver;
  let sims: SimServer[];
  let dir: ConfigDir;
  let port: number;
  const processes: CliProcess[] = [];

  const mainConfig = (batchSeconds: number): ConfigTree =>
    mergeConfig(defaultMainConfig(), {
      server: { host: '127.0.0.1', port },
      health_check: { interval: INTERVAL_S, timeout: 0.5, failure_threshold: FAILURE_THRESHOLD },
      log: { level: 'debug' },
      webhook: {
        enabled: true,
        url: receiver.urlFor('wecom'),
        batch_interval: batchSeconds,
        cooldown_seconds: 2,
        report_interval_active: 3600,
        report_interval_idle: 3600,
        targets: [
          {
            type: 'feishu',
            url: 'os.environ/E2E_FEISHU_URL',
            secret: 'os.environ/E2E_FEISHU_SECRET',
            mentions: ['all'],
          },
          {
            type: 'dingtalk',
            url: receiver.urlFor('dingtalk'),
            secret: SECRETS.dingtalk,
            mentions: ['13800000000'],
          },
          { type: 'slack', url: receiver.urlFor('slack'), mentions: ['here'] },
          { type: 'json', url: receiver.urlFor('json') },
        ],
      },
    });

  /** Messages of one type whose text contains `needle`. */
  const messages = (type: WebhookType, needle: string) =>
    receiver.delivered(type).filter((r) => webhookText(type, r.body).includes(needle));
  const everyTarget = (needle: string, count: number) =>
    TYPES.every((t) => messages(t, needle).length >= count);

  beforeAll(async () => {
    receiver = await startWebhookReceiver({ secrets: SECRETS });
    process.env.E2E_FEISHU_URL = receiver.urlFor('feishu');
    process.env.E2E_FEISHU_SECRET = SECRETS.feishu;
    sims = await startSims([{ models: ['m'] }, { models: ['m'] }]);
    port = await freePort();
    dir = await writeConfigDir({
      main: mainConfig(1),
      backends: sims.map((sim) => ({ model_name: 'm', api_base: sim, api_key: BACKEND_KEY })),
    });
  });

  afterAll(async () => {
    await killAllCli();
    await closeAll(sims);
    await receiver?.close();
    await dir?.remove();
    delete process.env.E2E_FEISHU_URL;
    delete process.env.E2E_FEISHU_SECRET;
  });

  const start = async (): Promise<CliProcess> => {
    const proc = spawnCli(['-config', dir.configPath]);
    processes.push(proc);
    expect(await answers200(`http://127.0.0.1:${port}`, '/health', 15_000)).toBe(true);
    return proc;
  };

  const stop = async (proc: CliProcess) => {
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  };

  it('sends the startup report, one batched alert for a dead backend, one recovery when it returns', async () => {
    const proc = await start();
    expect(await receiver.waitFor(() => everyTarget('started: 2/2 backends healthy', 1), 10_000)).toBe(true);

    const killedAt = Date.now();
    await sims[0]!.stop();
    expect(await receiver.waitFor(() => everyTarget('Down (1)', 1), 10_000)).toBe(true);
    const within = FAILURE_THRESHOLD * INTERVAL_S * 1000 + 1000 + SLACK_MS;
    for (const type of TYPES) {
      const [alert] = messages(type, 'Down (1)');
      expect(alert!.at - killedAt, type).toBeLessThan(within);
      const text = webhookText(type, alert!.body);
      expect(text).toContain(`127.0.0.1:${sims[0]!.port}/v1`);
      expect(text).not.toContain(`127.0.0.1:${sims[1]!.port}/v1`);
      expect(text).toContain('connect failed');
    }
    // Mentions ping on alerts, in each service's own way.
    const [feishuAlert] = messages('feishu', 'Down (1)');
    expect(JSON.stringify(feishuAlert!.body)).toContain('{"tag":"at","user_id":"all"}');
    expect(messages('dingtalk', 'Down (1)')[0]!.body['at']).toMatchObject({ atMobiles: ['13800000000'] });

    await sims[0]!.start();
    expect(await receiver.waitFor(() => everyTarget('Recovered (1)', 1), 10_000)).toBe(true);
    // One of each, not one per probe round: wait past another batch window.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const type of TYPES) {
      expect(messages(type, 'Down (').length, type).toBe(1);
      expect(messages(type, 'Recovered (').length, type).toBe(1);
    }
    expect(receiver.requests.filter((r) => r.signatureOk === false)).toEqual([]);
    await stop(proc);
  });

  it('a restart says "started" again and sends no spurious recovery; SIGTERM flushes a pending alert', async () => {
    // A long batch window: the alert below can only come from the shutdown flush.
    await writeFile(dir.configPath, `${JSON.stringify(mainConfig(30), null, 2)}\n`);
    const proc = await start();
    expect(await receiver.waitFor(() => everyTarget('started: 2/2 backends healthy', 2), 10_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const type of TYPES) expect(messages(type, 'Recovered (').length, type).toBe(1);

    await sims[1]!.stop();
    const url = `http://127.0.0.1:${port}`;
    const down = await waitFor(
      async () => {
        const dashboard = (await (await fetch(`${url}/api/dashboard`)).json()) as {
          backends: { id: string; healthy: boolean }[];
        };
        return dashboard.backends.some((b) => b.id.includes(String(sims[1]!.port)) && !b.healthy);
      },
      5000,
      50,
    );
    expect(down).toBe(true);
    const before = receiver.delivered('json').length;
    await stop(proc);
    expect(receiver.delivered('json').length).toBe(before + 1);
    for (const type of TYPES) {
      const alerts = messages(type, 'Down (1)');
      expect(alerts).toHaveLength(2);
      expect(webhookText(type, alerts[1]!.body)).toContain(`127.0.0.1:${sims[1]!.port}/v1`);
    }
    await sims[1]!.start();
  });

  it('no backend key, webhook key or signing secret in any message or log line', () => {
    const bodies = JSON.stringify(receiver.requests.map((r) => r.body));
    expect(bodies).not.toContain(BACKEND_KEY);
    const logs = processes.map((p) => p.stdout() + p.stderr()).join('\n');
    expect(logs).toContain('webhook delivered');
    for (const secret of [BACKEND_KEY, 'KEY0123456789abcdef', 'T0SECRET', SECRETS.feishu, SECRETS.dingtalk])
      expect(logs).not.toContain(secret);
  });
});

import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRouter, startRouter } from '../../adapters/node/start-router.ts';
import { silentLogger } from '../../src/core/logger.ts';
import type { SimServer } from '../../tools/sim/index.ts';
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
import { chatJson } from '../support/sse.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';
import { webhookText } from '../support/webhook-text.ts';

let receiver: WebhookReceiver;
let sims: SimServer[];
let dir: ConfigDir;
let running: RunningRouter;

const fast = { health_check: { interval: 0.2, timeout: 0.5, failure_threshold: 1 } };

async function writeMain(main: ConfigTree): Promise<void> {
  await writeFile(dir.configPath, `${JSON.stringify(mergeConfig(defaultMainConfig(), main), null, 2)}\n`);
  await running.reload();
}

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  sims = await startSims([
    { models: ['m'], ttftMs: 0, tokensPerSecond: 10_000, defaultMaxTokens: 2 },
    { models: ['m'], ttftMs: 0, tokensPerSecond: 10_000, defaultMaxTokens: 2 },
  ]);
  dir = await writeConfigDir({
    main: fast,
    backends: sims.map((sim) => ({ model_name: 'm', api_base: sim })),
  });
  running = await startRouter({
    configPath: dir.configPath,
    log: silentLogger,
    reload: { watch: false, pollMs: 60_000 },
  });
});

afterEach(() => {
  receiver.setMode('all', 'ok');
});

afterAll(async () => {
  await running?.close(0);
  await closeAll(sims);
  await receiver?.close();
  await dir?.remove();
});

describe('webhook settings reload live', () => {
  it('enabling, retargeting and a rejected reload apply without a restart', async () => {
    const webhook = (targets: ConfigTree[]) => ({
      ...fast,
      webhook: { enabled: true, batch_interval: 0.3, cooldown_seconds: 0.5, targets },
    });
    await writeMain(webhook([{ type: 'json', url: receiver.urlFor('json') }]));
    await sims[0]!.stop();
    expect(
      await receiver.waitFor(
        () => receiver.delivered('json').some((r) => webhookText('json', r.body).includes('Down (1)')),
        5000,
      ),
    ).toBe(true);

    // Now to WeCom only: the recovery goes there, not to the JSON endpoint any more.
    await writeMain(webhook([{ type: 'wecom', url: receiver.urlFor('wecom') }]));
    const jsonBefore = receiver.delivered('json').length;
    await sims[0]!.start();
    expect(
      await receiver.waitFor(
        () => receiver.delivered('wecom').some((r) => webhookText('wecom', r.body).includes('Recovered (1)')),
        5000,
      ),
    ).toBe(true);
    expect(receiver.delivered('json')).toHaveLength(jsonBefore);

    // A reload naming an unset variable is rejected, named by key; the running webhook reports it.
    await writeMain(webhook([{ type: 'wecom', url: 'os.environ/LLM_ROUTER_TEST_UNSET_WEBHOOK' }]));
    const problem = running.router.configStatus.list()[0]?.message ?? '';
    expect(problem).toContain(
      'webhook.targets[0].url: environment variable LLM_ROUTER_TEST_UNSET_WEBHOOK is not set',
    );
    expect(
      await receiver.waitFor(
        () =>
          receiver.delivered('wecom').some((r) => webhookText('wecom', r.body).includes('Config rejected')),
        5000,
      ),
    ).toBe(true);
    await writeMain({ ...fast, webhook: { enabled: false } });
  });
});

describe('a hanging webhook and request routing', () => {
  async function load(
    requests: number,
    concurrency: number,
  ): Promise<{ p50: number; p99: number; max: number }> {
    const pool = new Pool(running.url, { connections: concurrency });
    const times: number[] = [];
    let next = 0;
    const body = chatJson('m', { max_tokens: 2 });
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < requests) {
          next++;
          const started = performance.now();
          const res = await pool.request({
            path: '/v1/chat/completions',
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          });
          await res.body.text();
          expect(res.statusCode).toBe(200);
          times.push(performance.now() - started);
        }
      }),
    );
    await pool.close();
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
    return { p50: at(0.5), p99: at(0.99), max: times[times.length - 1] ?? 0 };
  }

  it('does not slow a concurrent request load (p99 with and without)', async () => {
    await writeMain(fast);
    await load(1000, 16); // warm-up (JIT, pooled sockets)
    const without = await load(2000, 16);

    // Reports every 50 ms into a webhook that never answers: deliveries pile up against their timeout.
    receiver.setMode('all', 'hang');
    await writeMain({
      ...fast,
      webhook: {
        enabled: true,
        timeout: 5,
        batch_interval: 0.05,
        report_interval_active: 0.05,
        report_interval_idle: 0.05,
        targets: [
          { type: 'wecom', url: receiver.urlFor('wecom') },
          { type: 'slack', url: receiver.urlFor('slack') },
        ],
      },
    });
    expect(await waitFor(() => receiver.requests.some((r) => r.answered === 'hang'), 3000)).toBe(true);
    const withHang = await load(2000, 16);
    console.log(
      `hanging webhook: p50 ${without.p50.toFixed(2)} → ${withHang.p50.toFixed(2)} ms, p99 ${without.p99.toFixed(2)} → ${withHang.p99.toFixed(2)} ms, max ${without.max.toFixed(1)} → ${withHang.max.toFixed(1)} ms (2000 requests, 16 concurrent, in-process)`,
    );
    // A delivery holding routing up would show as seconds (its 5 s timeout); scheduling noise is milliseconds.
    expect(withHang.max).toBeLessThan(2500);
    expect(withHang.p99).toBeLessThan(Math.max(3 * without.p99, without.p99 + 50));
    await writeMain({ ...fast, webhook: { enabled: false } });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../tools/sim/index.ts';
import { closeAll, startSims, waitFor } from '../support/router-fixture.ts';
import { chatJson, metricValue } from '../support/sse.ts';
import { startWorkerTarget, type WorkerTarget } from './worker-target.ts';

const KEY = 'bg-key';
const auth = { authorization: `Bearer ${KEY}` };

interface DashboardBackend {
  readonly id: string;
  readonly healthy: boolean;
  readonly engine: string;
  readonly running: number;
  readonly prompt_tokens: number;
  readonly generation_tokens: number;
  readonly metrics_age_ms: number | null;
}

async function backendsOf(worker: WorkerTarget): Promise<DashboardBackend[]> {
  const response = await fetch(`${worker.url}/api/dashboard`, { headers: auth });
  return ((await response.json()) as { backends: DashboardBackend[] }).backends;
}

describe('background work on Workers (workerd)', () => {
  let sims: SimServer[];
  beforeAll(async () => {
    sims = await startSims([{ models: ['m'] }, { models: ['m'] }]);
  });
  afterAll(async () => {
    await closeAll(sims);
  });

  describe('cron trigger (health_check.interval of a minute)', () => {
    let worker: WorkerTarget;
    beforeAll(async () => {
      worker = await startWorkerTarget({
        main: {
          server: { api_keys: [KEY] },
          health_check: { interval: 60, failure_threshold: 1, timeout: 2 },
          monitor: { collect_interval: 60 },
        },
        backends: [{ model_name: 'm', api_base: sims[0]! }],
      });
    });
    afterAll(async () => {
      await worker?.close();
    });

    it('is not ready before any health round', async () => {
      const response = await fetch(`${worker.url}/ready`);
      expect(response.status).toBe(503);
    });

    it('the scheduled handler probes: ready, then a dead backend unhealthy, then recovered', async () => {
      // One completion first, so the engine's token counters the scrape reads are not zero.
      const chat = await fetch(`${worker.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: chatJson('m', { max_tokens: 3 }),
      });
      expect(chat.status).toBe(200);
      await chat.arrayBuffer();
      const engineText = await (await fetch(`http://127.0.0.1:${sims[0]!.port}/metrics`)).text();
      const generated = metricValue(engineText, 'vllm:generation_tokens_total');
      const prompted = metricValue(engineText, 'vllm:prompt_tokens_total');
      expect(generated).toBeGreaterThan(0);
      expect(prompted).toBeGreaterThan(0);

      await worker.cron();
      expect((await fetch(`${worker.url}/ready`)).status).toBe(200);
      // The same tick scraped the engine's /metrics into the shared state, where the dashboard reads it.
      const [scraped] = await backendsOf(worker);
      expect(scraped).toMatchObject({
        healthy: true,
        engine: 'vllm',
        running: 0,
        prompt_tokens: prompted,
        generation_tokens: generated,
      });
      expect(scraped?.metrics_age_ms).toBeTypeOf('number');

      await sims[0]!.stop();
      await worker.cron(3_660_000);
      expect((await backendsOf(worker))[0]?.healthy).toBe(false);
      const notReady = await fetch(`${worker.url}/ready`);
      expect(notReady.status).toBe(503);
      expect(((await notReady.json()) as { reason: string }).reason).toBe('no healthy backends');

      await sims[0]!.start();
      await worker.cron(3_720_000);
      expect((await backendsOf(worker))[0]?.healthy).toBe(true);
    });
  });

  describe('Durable Object alarm (sub-minute health_check.interval)', () => {
    let worker: WorkerTarget;
    beforeAll(async () => {
      worker = await startWorkerTarget({
        main: {
          server: { api_keys: [KEY] },
          health_check: { interval: 0.5, failure_threshold: 1, timeout: 1 },
          monitor: { collect_interval: 3600 },
        },
        backends: [{ model_name: 'm', api_base: sims[1]! }],
      });
    });
    afterAll(async () => {
      await worker?.close();
    });

    it('one cron tick arms the alarm, which then probes on its own', async () => {
      await worker.cron();
      expect(await waitFor(async () => (await fetch(`${worker.url}/ready`)).status === 200, 3000, 50)).toBe(
        true,
      );
      await sims[1]!.stop();
      expect(await waitFor(async () => (await backendsOf(worker))[0]?.healthy === false, 4000, 100)).toBe(
        true,
      );
      await sims[1]!.start();
      expect(await waitFor(async () => (await backendsOf(worker))[0]?.healthy === true, 4000, 100)).toBe(
        true,
      );
    });
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../tools/sim/index.ts';
import { closeAll, inferenceCount, startSims } from '../support/router-fixture.ts';
import { chatJson } from '../support/sse.ts';
import { startWorkerTarget, type WorkerTarget, type WorkerTargetOptions } from './worker-target.ts';

const KEY = 'restart-key';
const headers = { 'content-type': 'application/json', authorization: `Bearer ${KEY}` };

interface DashboardBackend {
  readonly healthy: boolean;
  readonly rate_limited_until: string | null;
}

async function backendsOf(worker: WorkerTarget): Promise<DashboardBackend[]> {
  const response = await fetch(`${worker.url}/api/dashboard`, { headers });
  return ((await response.json()) as { backends: DashboardBackend[] }).backends;
}

const chat = (worker: WorkerTarget) =>
  fetch(`${worker.url}/v1/chat/completions`, { method: 'POST', headers, body: chatJson('m') });

describe('a restarted state object keeps health and 429 holds (workerd)', () => {
  let dead: SimServer;
  let limited: SimServer;
  let dir: string;
  let options: WorkerTargetOptions;
  const workers: WorkerTarget[] = [];

  beforeAll(async () => {
    [dead, limited] = (await startSims([
      { models: ['m'] },
      { models: ['m'], faults: { rateLimitRate: 1, retryAfterSeconds: 120 } },
    ])) as [SimServer, SimServer];
    dir = await mkdtemp(join(tmpdir(), 'llm-router-do-'));
    options = {
      main: {
        server: { api_keys: [KEY] },
        health_check: { interval: 60, failure_threshold: 1, timeout: 2 },
        monitor: { collect_interval: 3600 },
      },
      backends: [
        { model_name: 'm', api_base: dead },
        { model_name: 'm', api_base: limited },
      ],
      persistDir: dir,
    };
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.close()));
    await closeAll([dead, limited]);
    await rm(dir, { recursive: true, force: true });
  });

  it('a probe-failed backend stays unhealthy and a held one stays held', async () => {
    const before = await startWorkerTarget(options);
    await dead.stop();
    await before.cron();
    const answer = await chat(before);
    await answer.arrayBuffer();
    expect(answer.status).toBe(429);
    const sent = inferenceCount(limited);
    expect(sent).toBe(1);
    const [down, held] = await backendsOf(before);
    expect(down?.healthy).toBe(false);
    expect(held?.rate_limited_until).not.toBeNull();
    await before.close();
    await dead.start();

    // New objects over the same storage, and a new isolate that registers both backends as healthy again
    // (the dead sim is back up, but no probe has run since).
    const after = await startWorkerTarget(options);
    workers.push(after);
    const [stillDown, stillHeld] = await backendsOf(after);
    expect(stillDown?.healthy).toBe(false);
    expect(stillHeld?.rate_limited_until).toBe(held?.rate_limited_until);
    const again = await chat(after);
    await again.arrayBuffer();
    expect(again.status).toBe(429);
    expect(inferenceCount(limited)).toBe(sent);
  });
});

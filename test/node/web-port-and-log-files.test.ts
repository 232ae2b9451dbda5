// The Go router's `dashboard.web_port` and `log.*` keys, acted on by the real `llm-router` process: a
// second listener for the dashboard surface only, and JSON log files rotated by size with backups capped.

import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../tools/sim/index.ts';
import { answers200, freePort, killAllCli, runCli, spawnCli } from '../support/cli.ts';
import { type ConfigDir, closeAll, startSims, waitFor, writeConfigDir } from '../support/router-fixture.ts';

const KEY = 'operator-key';
const MAX_BYTES = 4096;
const auth = { authorization: `Bearer ${KEY}` };

let sims: SimServer[] = [];
let dir: ConfigDir;
let url: string;
let webUrl: string;
let proc: ReturnType<typeof spawnCli>;
const logsDir = () => join(dir.dir, 'logs');

beforeAll(async () => {
  // One healthy backend and one whose inference answers 500: its failed attempts are logged (debug).
  sims = await startSims([
    { models: ['m'], ttftMs: 1, tokensPerSecond: 5000, defaultMaxTokens: 4 },
    { models: ['m'], faults: { failInferenceOnly: true } },
  ]);
  const [port, webPort] = [await freePort(), await freePort()];
  dir = await writeConfigDir({
    main: {
      server: { port, api_keys: [KEY] },
      routing: { num_retries: 1 },
      // Ejection would stop the failing backend from being tried (and logged) after three failures.
      retry: { failure_threshold: 1_000_000 },
      dashboard: { enabled: true, web_port: webPort },
      log: {
        level: 'debug',
        file: true,
        dir: 'logs',
        max_size_mb: MAX_BYTES / 1024 / 1024,
        max_backups: 2,
        max_age_days: 7,
      },
    },
    backends: [
      { model_name: 'm', api_base: sims[0]! },
      { model_name: 'm', api_base: sims[1]! },
    ],
  });
  // Rotated files from an earlier run: one past max_age_days (removed at start), one recent (kept).
  await mkdir(logsDir());
  await writeFile(join(logsDir(), 'llm-router-2020-01-01T00-00-00.000.log'), '{"old":true}\n');
  const recent = new Date(Date.now() - 3_600_000).toISOString().slice(0, 23).replace(/:/g, '-');
  await writeFile(join(logsDir(), `llm-router-${recent}.log`), '{"recent":true}\n');

  proc = spawnCli(['-config', dir.configPath]);
  url = `http://127.0.0.1:${port}`;
  webUrl = `http://127.0.0.1:${webPort}`;
  if (!(await answers200(url, '/health', 15_000))) throw new Error(`router did not start: ${proc.stderr()}`);
  expect(await answers200(webUrl, '/health', 2000)).toBe(true);
});

afterAll(async () => {
  await killAllCli();
  await closeAll(sims);
  await dir?.remove();
});

describe('dashboard.web_port', () => {
  it('serves the pages, /api/* and /metrics with the same keys, and not the OpenAI API', async () => {
    const page = await fetch(`${webUrl}/dashboard/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>llm-router · Overview</title>');
    expect((await fetch(`${webUrl}/`, { redirect: 'manual' })).headers.get('location')).toBe('/dashboard/');

    expect((await fetch(`${webUrl}/api/dashboard`)).status).toBe(401);
    const data = (await (await fetch(`${webUrl}/api/dashboard`, { headers: auth })).json()) as {
      backends: unknown[];
    };
    expect(data.backends).toHaveLength(2);
    expect((await fetch(`${webUrl}/api/history`, { headers: auth })).status).toBe(200);
    const metrics = await fetch(`${webUrl}/metrics`, { headers: auth });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('llm_router_backend_up{');

    const chat = await fetch(`${webUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(chat.status).toBe(404);
    expect(((await chat.json()) as { error: { code: string } }).error.code).toBe('not_found');
    expect((await fetch(`${webUrl}/v1/models`, { headers: auth })).status).toBe(404);

    // The API port keeps everything.
    expect((await fetch(`${url}/v1/models`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${url}/dashboard/`)).status).toBe(200);
  });
});

describe('log.file', () => {
  it('removes rotated files older than max_age_days at start-up', async () => {
    const files = await readdir(logsDir());
    expect(files).not.toContain('llm-router-2020-01-01T00-00-00.000.log');
    expect(files.filter((file) => file.startsWith('llm-router-'))).toHaveLength(1);
    expect(files).toContain('llm-router.log');
  });

  it('rotates by size over a burst of logged failures, keeping max_backups rotated files of JSON lines', async () => {
    const send = () =>
      fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }),
      }).then((response) => response.arrayBuffer());
    for (let round = 0; round < 8; round++) await Promise.all(Array.from({ length: 10 }, send));

    // Every failed attempt is a debug line; 80 requests half of whose first attempts fail fill many files.
    const rotated = async () =>
      (await readdir(logsDir())).filter((file) => /^llm-router-.+\.log$/.test(file)).sort();
    expect(await waitFor(async () => (await rotated()).length === 2, 5000, 50)).toBe(true);
    const backups = await rotated();
    // The recent file from the earlier run was among the oldest: rotation replaced it.
    expect(backups.some((file) => file.startsWith(`llm-router-${new Date().getUTCFullYear()}`))).toBe(true);
    expect((await readFile(join(logsDir(), backups[0]!), 'utf8')).includes('"recent":true')).toBe(false);

    for (const file of [...backups, 'llm-router.log']) {
      const path = join(logsDir(), file);
      expect((await stat(path)).size, file).toBeLessThanOrEqual(MAX_BYTES);
      const text = await readFile(path, 'utf8');
      for (const line of text.trimEnd().split('\n')) {
        const record = JSON.parse(line) as { level: string; msg: string; time: string };
        expect(['debug', 'info', 'warn', 'error']).toContain(record.level);
        expect(typeof record.msg).toBe('string');
      }
    }
    const rotatedText = await readFile(join(logsDir(), backups[1]!), 'utf8');
    expect(rotatedText).toContain('"msg":"attempt failed"');
    // The console keeps its human-readable lines beside the file.
    expect(proc.stderr()).toContain('DEBUG attempt failed');
    expect(proc.stderr()).not.toContain(KEY);
  });
});

describe('start-up errors name the key', () => {
  it('exits 1 when log.dir cannot be created, or web_port is taken', async () => {
    const broken = await writeConfigDir({
      main: { log: { file: true, dir: 'config.yaml/logs' } },
      backends: [{ model_name: 'm', api_base: sims[0]! }],
    });
    const taken = await writeConfigDir({
      main: { dashboard: { enabled: true, web_port: Number(new URL(url).port) } },
      backends: [{ model_name: 'm', api_base: sims[0]! }],
    });
    try {
      const [logRun, portRun] = await Promise.all([
        runCli(['-config', broken.configPath]),
        runCli(['-config', taken.configPath]),
      ]);
      expect(logRun.code).toBe(1);
      expect(logRun.stderr).toContain(
        `invalid configuration: ${broken.configPath}: log.dir: cannot write log files`,
      );
      expect(portRun.code).toBe(1);
      expect(portRun.stderr).toContain('cannot listen');
      expect(portRun.stderr).toContain('EADDRINUSE');
    } finally {
      await Promise.all([broken.remove(), taken.remove()]);
    }
  });
});

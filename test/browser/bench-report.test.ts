// The bench's report.html in headless Chromium (Debian chromium via playwright-core): produced by a real
// `llm-router bench` run against simulated engines, opened from file:// like a report copied to a laptop.
// It must render its charts and tables with no console error and without a single request leaving it.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBenchCli } from '../../tools/bench/index.ts';
import type { SimServer } from '../../tools/sim/index.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.ts';
import { closeAll, startSims } from '../support/router-fixture.ts';

const EVIL = '</script><img src=x onerror="window.__pwned=1">';

let sims: SimServer[] = [];
let dir = '';
let browser: Browser;

async function bench(output: string, extra: string[]): Promise<void> {
  let err = '';
  const code = await runBenchCli(
    [
      '--url',
      sims[0]!.url,
      '--model',
      'demo-model',
      '--concurrency',
      '6',
      '--duration',
      '2.5',
      '--max-tokens',
      '3',
      '--label',
      EVIL,
      '--output',
      output,
      '--quiet',
      ...extra,
    ],
    {
      out: () => {},
      err: (text) => {
        err += text;
      },
      tty: false,
    },
  );
  expect(code, err).toBe(0);
}

beforeAll(async () => {
  const fast = { models: ['demo-model'], ttftMs: 20, prefillMsPerToken: 0, tokensPerSecond: 200 };
  // The second sim answers half its requests with 503, so the error table has rows.
  sims = await startSims([fast, { ...fast, faults: { errorRate: 0.5, errorStatus: 503 } }]);
  dir = await mkdtemp(join(tmpdir(), 'llm-router-bench-html-'));
  const [launched] = await Promise.all([
    chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }),
    bench(join(dir, 'single'), []),
    bench(join(dir, 'ab'), ['--direct', sims[1]!.url, '--phases', '1']),
  ]);
  browser = launched;
});

afterAll(async () => {
  await browser?.close();
  await closeAll(sims);
  await rm(dir, { recursive: true, force: true });
});

describe('llm-router bench report.html', () => {
  it.each([
    ['single', 5, 0],
    ['ab', 5, 1],
  ])(
    '%s run: renders every chart and table offline, no console errors, no requests',
    async (name, charts, errorRows) => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(String(error)));
      page.on('request', (request) => requests.push(request.url()));
      const file = `file://${join(dir, name, 'report.html')}`;
      await page.goto(file);
      await page.waitForSelector('body[data-rendered="true"]', { timeout: 10_000 });

      const drawn = await page.$$eval('#charts .panel', (panels) =>
        panels.map((panel) => {
          const canvas = panel.querySelector('canvas')!;
          const ctx = canvas.getContext('2d')!;
          const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
          let painted = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++;
          const chart = panel.querySelector('.chart') as HTMLElement;
          return { title: panel.getAttribute('data-chart'), points: Number(chart.dataset.points), painted };
        }),
      );
      expect(drawn).toHaveLength(charts);
      for (const chart of drawn) {
        expect(chart.points, chart.title ?? '').toBeGreaterThan(1);
        expect(chart.painted, chart.title ?? '').toBeGreaterThan(1000);
      }
      const percentileRows = await page.$$eval('#percentiles tbody tr', (rows) => rows.length);
      expect(percentileRows).toBe(name === 'ab' ? 8 : 3);
      const errors = await page.$$eval('#errors tbody tr td.mono', (cells) =>
        cells.map((cell) => cell.textContent),
      );
      expect(errors).toEqual(errorRows > 0 ? ['http_503'] : []);
      // The hostile label is shown as text, never parsed as markup.
      expect(await page.textContent('#label')).toBe(EVIL);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(problems).toEqual([]);
      expect(requests).toEqual([file]);
      await page.close();
    },
  );
});

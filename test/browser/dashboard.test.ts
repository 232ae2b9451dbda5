// The dashboard pages in a real browser (Debian chromium via playwright-core) against the real Node router
// and simulated engines: live refresh, escaping of hostile names, filters, charts, key prompt, and no
// request leaving 127.0.0.1 (the pages must work on offline clusters).

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRouter, startRouter } from '../../adapters/node/start-router.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { type SimServer, startSimServer } from '../../tools/sim/index.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.ts';
import { REPO_ROOT } from '../support/cli.ts';

/** A model name that would run script if any page inserted it as HTML. */
const EVIL = '<img src=x onerror=alert(1)>';
const MODEL = 'chat-model';

interface Fixture {
  readonly url: string;
  readonly router: RunningRouter;
  /** Send `count` chat completions through the router (all must succeed). */
  send(count: number, model?: string): Promise<void>;
  close(): Promise<void>;
}

async function startFixture(apiKeys: string[] = []): Promise<Fixture> {
  const sims: SimServer[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'llm-router-browser-'));
  const fast = { ttftMs: 2, prefillMsPerToken: 0, tokensPerSecond: 5000, defaultMaxTokens: 8 };
  try {
    // The first engine caches prefixes: it reports prefix-cache counters, the others none.
    sims.push(await startSimServer({ ...fast, models: [MODEL], engine: 'vllm', prefixCacheTokens: 10_000 }));
    sims.push(await startSimServer({ ...fast, models: [MODEL], engine: 'sglang' }));
    sims.push(await startSimServer({ ...fast, models: [EVIL], engine: 'vllm' }));
    // A port that refuses connections: its backend fails the first probe and shows as unhealthy.
    const dead = await startSimServer({ ...fast, models: [MODEL] });
    await dead.close();
    const entry = (model: string, apiBase: string, rpmLimit: number | null = null) => ({
      model_name: model,
      litellm_params: {
        model: `openai/${model}`,
        api_base: apiBase,
        api_key: 'dummy',
        source_type: 'self_deployed',
        rpm_limit: rpmLimit,
      },
    });
    const modelList = [
      entry(MODEL, sims[0]!.url),
      entry(MODEL, sims[1]!.url, 1000),
      entry(EVIL, sims[2]!.url),
      entry(MODEL, dead.url),
    ];
    const main = {
      server: { host: '127.0.0.1', port: 0, shutdown_grace: 1, api_keys: apiKeys },
      routing: { strategy: 'least-connections', num_retries: 2 },
      retry: { base_delay_ms: 1, max_delay_ms: 5, jitter_factor: 0 },
      health_check: { interval: 3600, timeout: 2 },
      monitor: { collect_interval: 1 },
      backends: { config_dir: '.', enabled_sources: ['self_deployed'] },
      dashboard: { enabled: true },
      log: { level: 'error' },
    };
    // JSON is valid YAML, and quoting every string keeps the hostile name intact.
    await writeFile(join(dir, 'config.yaml'), `${JSON.stringify(main, null, 2)}\n`);
    await writeFile(
      join(dir, 'self_deployed_test.yaml'),
      `${JSON.stringify({ model_list: modelList }, null, 2)}\n`,
    );

    const router = await startRouter({ configPath: join(dir, 'config.yaml'), log: silentLogger });
    const auth: Record<string, string> = apiKeys[0] ? { authorization: `Bearer ${apiKeys[0]}` } : {};

    // Wait for the start-up probe round, so the dead backend is already out of rotation.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const response = await fetch(`${router.url}/api/dashboard`, { headers: auth });
      const data = (await response.json()) as { backends: { probed: boolean; healthy: boolean }[] };
      if (data.backends.length === 4 && data.backends.every((b) => b.probed)) break;
      if (Date.now() > deadline) throw new Error('first health round did not finish');
      await sleep(50);
    }

    const send = async (count: number, model = MODEL) => {
      await Promise.all(
        Array.from({ length: count }, async () => {
          const response = await fetch(`${router.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...auth },
            body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 }),
          });
          await response.arrayBuffer();
          expect(response.status).toBe(200);
        }),
      );
    };

    return {
      url: router.url,
      router,
      send,
      async close() {
        await router.close(500);
        await Promise.all(sims.map((sim) => sim.close()));
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(sims.map((sim) => sim.close()));
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Everything a page does that a test may want to assert on afterwards. */
interface Watched {
  readonly requests: string[];
  readonly dialogs: string[];
  readonly errors: string[];
}

function watch(page: Page): Watched {
  const watched: Watched = { requests: [], dialogs: [], errors: [] };
  page.on('request', (request) => watched.requests.push(request.url()));
  page.on('dialog', (dialog) => {
    watched.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => watched.errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') watched.errors.push(message.text());
  });
  return watched;
}

function expectOnlyLoopback(watched: Watched): void {
  expect(watched.requests.length).toBeGreaterThan(0);
  for (const url of watched.requests) {
    if (url.startsWith('data:') || url.startsWith('blob:')) continue;
    expect(new URL(url).hostname, url).toBe('127.0.0.1');
  }
}

/** Number of painted (non-transparent) pixels of a canvas. */
function paintedPixels(page: Page, selector: string): Promise<number> {
  return page.$eval(selector, (canvas) => {
    const c = canvas as HTMLCanvasElement;
    if (c.width === 0 || c.height === 0) return 0;
    const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data;
    let painted = 0;
    if (data) for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) painted++;
    return painted;
  });
}

/** Pixels of a canvas within `tolerance` of an RGB colour (a drawn series, not just the grid). */
function pixelsOfColor(
  page: Page,
  selector: string,
  rgb: [number, number, number],
  tolerance = 24,
): Promise<number> {
  return page.$eval(
    selector,
    (canvas, [target, tol]) => {
      const c = canvas as HTMLCanvasElement;
      const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data;
      let count = 0;
      if (!data) return 0;
      for (let i = 0; i < data.length; i += 4) {
        if (
          (data[i + 3] ?? 0) > 200 &&
          Math.abs((data[i] ?? 0) - target[0]) <= tol &&
          Math.abs((data[i + 1] ?? 0) - target[1]) <= tol &&
          Math.abs((data[i + 2] ?? 0) - target[2]) <= tol
        ) {
          count++;
        }
      }
      return count;
    },
    [rgb, tolerance] as const,
  );
}

/** Screenshots kept as test artefacts (git-ignored) for a person to look at. */
const SCREENSHOTS = join(REPO_ROOT, '.tmp', 'screenshots');

async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Texts of the cells of one backend-table column (by its header's data-sort key), in row order. */
function columnTexts(page: Page, key: string): Promise<string[]> {
  return page.$eval(
    '#backends',
    (table, sortKey) => {
      // Header cells spanning both rows are one column each; a group's cells come from the second row.
      const [top, bottom] = [...table.querySelectorAll('thead tr')];
      const second = [...(bottom?.children ?? [])];
      const keys: (string | undefined)[] = [];
      for (const th of top?.children ?? []) {
        const span = Number(th.getAttribute('colspan') ?? 1);
        if (th.hasAttribute('rowspan')) keys.push((th as HTMLElement).dataset.sort);
        else
          for (let i = 0; i < span; i++) keys.push((second.shift() as HTMLElement | undefined)?.dataset.sort);
      }
      const column = keys.indexOf(sortKey);
      return [...table.querySelectorAll('tbody tr')].map(
        (row) => (row as HTMLTableRowElement).cells[column]?.textContent ?? '',
      );
    },
    key,
  );
}

const statValue = (page: Page, name: string) =>
  page.locator(`[data-stat="${name}"] [data-value]`).textContent();
const rows = (page: Page) => page.locator('#backend-rows tr');

let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: run scripts/ensure-packages.sh (or set CHROMIUM_PATH)`);
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
});

describe('dashboard without keys', () => {
  let fixture: Fixture;
  let context: BrowserContext;

  beforeAll(async () => {
    fixture = await startFixture();
    await fixture.send(5);
    await fixture.send(2, EVIL);
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  });

  afterAll(async () => {
    await context?.close();
    await fixture?.close();
  });

  it('overview: backends, live totals, escaped names, filters, only loopback requests', async () => {
    const page = await context.newPage();
    const watched = watch(page);
    await page.goto(`${fixture.url}/dashboard/`);

    await expect.poll(() => rows(page).count()).toBe(4);
    await expect.poll(() => statValue(page, 'requests')).toBe('7');
    await expect(page.locator('#live-status').getAttribute('data-state')).resolves.toBe('ok');
    expect(await page.locator('#models .card').count()).toBe(2);
    expect(await page.locator('#sources .card .card-title').textContent()).toBe('self_deployed');

    // Live refresh: more traffic shows up without a reload.
    await fixture.send(3);
    await expect.poll(() => statValue(page, 'requests'), { timeout: 5000 }).toBe('10');
    await expect.poll(() => statValue(page, 'success')).toBe('10');

    // The hostile model name is text everywhere: no <img> injected, no alert.
    expect(await page.locator('#backend-rows').textContent()).toContain(EVIL);
    expect(await page.locator('#models').textContent()).toContain(EVIL);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('[onerror]').count()).toBe(0);
    expect(watched.dialogs).toEqual([]);

    // Statuses: the refused port is unhealthy; the rest are healthy; rpm_limit null shows ∞.
    expect(await page.locator('#backend-rows tr[data-status="unhealthy"]').count()).toBe(1);
    expect(await page.locator('#backend-rows tr[data-status="healthy"]').count()).toBe(3);
    expect(await page.locator('#backend-rows').textContent()).toContain('∞');
    // least-waiting's profile: the SGLang sim reports its slot count (sglang:max_running_requests); the
    // others are unknown until learned, and every backend shows a relative speed.
    await expect
      .poll(() => page.locator('#backend-rows td[title^="reported by the engine"]').count(), {
        timeout: 5000,
      })
      .toBe(1);
    expect(await page.locator('#backend-rows td[title^="unknown: the model"]').count()).toBeGreaterThan(0);
    expect(await page.locator('#backend-rows').textContent()).toMatch(/\d\.\d\d×/);

    // Text filter and status filter hide rows.
    await page.fill('#backend-filter', 'onerror');
    await expect.poll(() => rows(page).count()).toBe(1);
    await page.fill('#backend-filter', '');
    await page.selectOption('#health-filter', 'unhealthy');
    await expect.poll(() => rows(page).count()).toBe(1);
    expect(await rows(page).first().locator('.chip').textContent()).toBe('unhealthy');
    await page.selectOption('#health-filter', 'healthy');
    await expect.poll(() => rows(page).count()).toBe(3);
    await page.fill('#backend-filter', 'no-such-backend');
    await expect.poll(() => rows(page).count()).toBe(0);
    expect(await page.locator('#backends-empty').isVisible()).toBe(true);
    await page.fill('#backend-filter', '');
    await page.selectOption('#health-filter', 'all');
    await expect.poll(() => rows(page).count()).toBe(4);

    // The dead backend's probe error is listed.
    expect(await page.locator('#recent-errors li').count()).toBeGreaterThanOrEqual(1);

    // Latency over the last 60 s: every backend that served traffic has TTFT and end-to-end
    // percentiles; the dead one has none; tokens/s comes from the engines' counters once scraped twice.
    const withTraffic = async (key: string) =>
      (await columnTexts(page, key)).filter((text) => /^\d+(\.\d+)? (ms|s)$/.test(text)).length;
    for (const key of ['ttft_p50_ms', 'ttft_p99_ms', 'latency_p50_ms', 'latency_p99_ms'])
      await expect.poll(() => withTraffic(key), { message: key }).toBe(3);
    expect(await columnTexts(page, 'ttft_p50_ms')).toContain('—');
    await expect
      .poll(
        async () => (await columnTexts(page, 'output_tokens_per_s')).filter((t) => /^\d/.test(t)).length,
        {
          timeout: 5000,
        },
      )
      .toBeGreaterThanOrEqual(1);
    // The prefix-caching engine shows its hit rate (these one-word prompts never hit); the others "—".
    await expect
      .poll(async () => (await columnTexts(page, 'prefix_cache_hit_rate')).filter((t) => t.endsWith('%')), {
        timeout: 5000,
      })
      .toEqual(['0.0%']);
    expect(await columnTexts(page, '_errors')).toEqual(['0', '0', '0', '0']);
    expect(await statValue(page, 'ttft')).toMatch(/^\d+ ms$/);
    expect(await page.locator('#models').textContent()).toMatch(/TTFT p50\d+ ms/);
    await screenshot(page, 'overview');

    expect(watched.errors).toEqual([]);
    expectOnlyLoopback(watched);
    await page.close();
  });

  it('charts: main and overview charts draw from /api/history', async () => {
    const page = await context.newPage();
    const watched = watch(page);
    await page.goto(`${fixture.url}/dashboard/charts.html`);

    await expect
      .poll(async () => Number(await page.locator('#main-chart').getAttribute('data-points')), {
        timeout: 8000,
      })
      .toBeGreaterThanOrEqual(2);
    expect(await page.locator('canvas').count()).toBe(7);
    for (const id of [
      'main-chart',
      'chart-ttft',
      'chart-e2e',
      'chart-rpm',
      'chart-load',
      'chart-conns',
      'chart-health',
    ]) {
      expect(await paintedPixels(page, `#${id} canvas`), id).toBeGreaterThan(500);
    }
    expect(await page.locator('#main-chart .legend-item').count()).toBe(1);
    // The total line itself (#4cb4f5) is drawn, not only the axes and grid.
    expect(await pixelsOfColor(page, '#main-chart canvas', [0x4c, 0xb4, 0xf5])).toBeGreaterThan(100);

    // By backend: one series per backend, the hostile name shown as text in the legend.
    await page.click('#dimension button[data-value="backend"]');
    await page.selectOption('#metric', 'comp_rpm');
    await expect.poll(() => page.locator('#main-chart .legend-item').count()).toBe(4);
    expect(await page.locator('#main-chart .legend').textContent()).toContain(EVIL);
    expect(page.url()).toContain('dim=backend');
    await page.click('#dimension button[data-value="model"]');
    await expect.poll(() => page.locator('#main-chart .legend-item').count()).toBe(2);

    // TTFT and latency by model, then by backend: one line per series, with its latest value in ms.
    const legendValues = (id: string) =>
      page.locator(`#${id} .legend-value`).evaluateAll((nodes) => nodes.map((n) => n.textContent ?? ''));
    for (const id of ['chart-ttft', 'chart-e2e']) {
      expect(await page.locator(`#${id} .legend-item`).count(), id).toBe(2);
      expect(
        (await legendValues(id)).every((text) => /^\d/.test(text)),
        id,
      ).toBe(true);
    }
    expect(await page.locator('#chart-ttft .legend').textContent()).toContain(EVIL);
    await page.click('#latency-dimension button[data-value="backend"]');
    await page.click('#latency-quantile button[data-value="p99"]');
    await expect.poll(() => page.locator('#chart-e2e .legend-item').count()).toBe(4);
    expect((await legendValues('chart-e2e')).filter((text) => /^\d/.test(text))).toHaveLength(3);
    expect(await page.locator('#e2e-note').textContent()).toContain('p99');
    expect(page.url()).toContain('lat=backend');
    await page.selectOption('#metric', 'ttft_p50');
    await expect.poll(() => page.locator('#main-chart .legend-item').count()).toBe(2);
    for (const id of ['chart-ttft', 'chart-e2e'])
      expect(await paintedPixels(page, `#${id} canvas`), id).toBeGreaterThan(500);
    await screenshot(page, 'charts');

    // Hover shows a tooltip.
    const box = await page.locator('#main-chart canvas').boundingBox();
    expect(box).not.toBeNull();
    if (box) await page.mouse.move(box.x + box.width - 20, box.y + box.height / 2);
    await expect.poll(() => page.locator('#main-chart .tooltip').isVisible()).toBe(true);

    expect(await page.locator('img').count()).toBe(0);
    expect(watched.dialogs).toEqual([]);
    expect(watched.errors).toEqual([]);
    expectOnlyLoopback(watched);
    await page.close();
  });
});

describe('dashboard with server.api_keys', () => {
  const KEY = 'dash-secret-key';
  let fixture: Fixture;
  let context: BrowserContext;

  beforeAll(async () => {
    fixture = await startFixture([KEY]);
    await fixture.send(2);
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  });

  afterAll(async () => {
    await context?.close();
    await fixture?.close();
  });

  it('asks for the key, rejects a wrong one, works and remembers the right one', async () => {
    const page = await context.newPage();
    const watched = watch(page);
    await page.goto(`${fixture.url}/dashboard/`);

    const dialog = page.locator('#auth-dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await rows(page).count()).toBe(0);
    expect(await page.locator('#live-status').getAttribute('data-state')).toBe('auth');

    await page.fill('#auth-key', 'wrong-key');
    await page.click('#auth-dialog button[type="submit"]');
    await expect.poll(() => page.locator('#auth-dialog .auth-message.error').isVisible()).toBe(true);
    expect(await dialog.isVisible()).toBe(true);

    await page.fill('#auth-key', KEY);
    await page.click('#auth-dialog button[type="submit"]');
    await expect.poll(() => rows(page).count()).toBe(4);
    expect(await dialog.isVisible()).toBe(false);
    expect(await statValue(page, 'requests')).toBe('2');

    // Remembered across pages (localStorage): the charts page loads without asking.
    await page.goto(`${fixture.url}/dashboard/charts.html`);
    await expect
      .poll(async () => Number(await page.locator('#main-chart').getAttribute('data-points')), {
        timeout: 8000,
      })
      .toBeGreaterThanOrEqual(1);
    expect(await page.locator('#auth-dialog').count()).toBe(0);

    expect(watched.dialogs).toEqual([]);
    expectOnlyLoopback(watched);
    await page.close();
  });
});

// The router's /metrics judged by Prometheus's own linter (promtool check metrics) after real traffic
// with failures, retries and a rate-limited backend, and docs/grafana-dashboard.json checked against it:
// every query parses as PromQL (promtool check rules) and every metric and label it names exists.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../tools/sim/index.ts';
import { REPO_ROOT } from '../support/cli.ts';
import { closeAll, startSims, startTestRouter, type TestRouter } from '../support/router-fixture.ts';

const PROMTOOL = '/usr/bin/promtool';
const CLIENT_CHOSEN = 'client-chosen-model-never-a-label';

let sims: SimServer[] = [];
let router: TestRouter;
let metrics: string;

function promtool(args: string[], input = ''): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(input);
  });
}

/** Series of the exposition: metric name -> the label names its samples carry. */
function seriesLabels(text: string): Map<string, Set<string>> {
  const series = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? /.exec(line);
    if (!match?.[1]) continue;
    const labels = series.get(match[1]) ?? new Set<string>();
    for (const pair of (match[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) labels.add(pair[1]!);
    series.set(match[1], labels);
  }
  return series;
}

beforeAll(async () => {
  if (!existsSync(PROMTOOL)) throw new Error(`${PROMTOOL} not found: run scripts/ensure-packages.sh`);
  const fast = { ttftMs: 1, tokensPerSecond: 5000, defaultMaxTokens: 4 };
  sims = await startSims([
    { ...fast, models: ['chat'] },
    // Half the attempts to this one answer 500: retried on the healthy one.
    { ...fast, models: ['chat'], faults: { errorRate: 0.5 } },
    // Every attempt answers 429 with a long Retry-After: the backend is held back.
    { ...fast, models: ['limited'], faults: { rateLimitRate: 1, retryAfterSeconds: 120 } },
    // The only backend of its model, failing everything: client requests fail.
    { ...fast, models: ['broken'], faults: { failInferenceOnly: true } },
  ]);
  router = await startTestRouter({
    main: {
      routing: { num_retries: 2 },
      retry: { failure_threshold: 1_000_000 },
      server: { api_keys: [] },
    },
    backends: [
      { model_name: 'chat', api_base: sims[0]!, rpm_limit: 100_000 },
      { model_name: 'chat', api_base: sims[1]! },
      { model_name: 'limited', api_base: sims[2]! },
      { model_name: 'broken', api_base: sims[3]! },
    ],
  });
  const send = (model: string, body?: string) =>
    fetch(`${router.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body:
        body ??
        JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], stream: model === 'chat' }),
    }).then(async (response) => {
      await response.arrayBuffer();
      return response.status;
    });
  const statuses = await Promise.all([
    ...Array.from({ length: 30 }, () => send('chat')),
    ...Array.from({ length: 3 }, () => send('limited')),
    ...Array.from({ length: 3 }, () => send('broken')),
    send(CLIENT_CHOSEN),
    send('chat', '{"model": 42}'),
  ]);
  expect(statuses.filter((s) => s === 200)).toHaveLength(30);
  expect(statuses).toContain(429);
  expect(statuses).toContain(502);
  expect(statuses).toContain(404);
  expect(statuses).toContain(400);
  metrics = await (await fetch(`${router.url}/metrics`)).text();
});

afterAll(async () => {
  await router?.close();
  await closeAll(sims);
});

describe('/metrics', () => {
  it('passes promtool check metrics after failures, retries and a rate-limited backend', async () => {
    const { code, output } = await promtool(['check', 'metrics'], metrics);
    expect(output).toBe('');
    expect(code).toBe(0);
    // The linter is really judging: a counter without _total is reported and fails the check.
    const broken = await promtool(
      ['check', 'metrics'],
      '# HELP x_requests Requests.\n# TYPE x_requests counter\nx_requests 1\n',
    );
    expect(broken.code).not.toBe(0);
    expect(broken.output).toContain('_total');
  });

  it('counts what happened, with labels from config and closed lists only', () => {
    /** Sum of the samples matching a line pattern (NaN when none does). */
    const value = (pattern: RegExp) => {
      const found = [...metrics.matchAll(new RegExp(pattern.source, 'gm'))].map((m) => Number(m[1]));
      return found.length === 0 ? Number.NaN : found.reduce((a, b) => a + b, 0);
    };
    expect(value(/^llm_router_requests_total\{outcome="failure"\} (\d+)$/m)).toBe(3);
    expect(
      value(
        /^llm_router_backend_errors_total\{backend="chat@[^"]+",model="chat",source="self_deployed",kind="status_5xx"\} (\d+)$/m,
      ),
    ).toBeGreaterThan(0);
    expect(
      value(
        /^llm_router_backend_errors_total\{backend="limited@[^"]+",model="limited",source="self_deployed",kind="rate_limited"\} (\d+)$/m,
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(value(/^llm_router_backend_rate_limited\{backend="limited@[^"]+",[^}]*\} (\d+)$/m)).toBe(1);
    expect(value(/^llm_router_backend_rate_limited\{backend="chat@[^"]+",[^}]*\} (\d+)$/m)).toBe(0);
    expect(value(/^llm_router_time_to_first_byte_seconds_count (\d+)$/m)).toBeGreaterThanOrEqual(30);

    // A model name a client made up appears nowhere: no label value comes from a request.
    expect(metrics).not.toContain(CLIENT_CHOSEN);
    const labelNames = new Set([...seriesLabels(metrics).values()].flatMap((labels) => [...labels]));
    expect([...labelNames].sort()).toEqual([
      'backend',
      'capacity_source',
      'kind',
      'le',
      'model',
      'outcome',
      'source',
      'speed_source',
    ]);
  });
});

describe('docs/grafana-dashboard.json', () => {
  interface Panel {
    readonly title?: string;
    readonly type: string;
    readonly targets?: { readonly expr: string }[];
  }
  const dashboard = JSON.parse(readFileSync(join(REPO_ROOT, 'docs', 'grafana-dashboard.json'), 'utf8')) as {
    panels: Panel[];
    templating: { list: { query?: { query?: string } | string }[] };
  };
  const panelExprs = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
  const variableQueries = dashboard.templating.list.flatMap((variable) =>
    typeof variable.query === 'object' && variable.query.query ? [variable.query.query] : [],
  );
  /** Grafana's variables as Prometheus would receive them. */
  const asPromql = (expr: string) =>
    expr.replaceAll('$__rate_interval', '1m').replaceAll('$model', '.*').replaceAll('$backend', '.*');

  it('covers request rate, error rate, TTFT and latency quantiles, backend health and queues', () => {
    const all = panelExprs.join('\n');
    expect(dashboard.panels.filter((p) => p.type !== 'row').every((p) => (p.targets ?? []).length > 0)).toBe(
      true,
    );
    expect(all).toContain('rate(llm_router_requests_total[');
    expect(all).toContain('outcome="failure"');
    expect(all).toContain(
      'histogram_quantile(0.99, sum by (le) (rate(llm_router_time_to_first_byte_seconds_bucket[',
    );
    expect(all).toContain(
      'histogram_quantile(0.99, sum by (le) (rate(llm_router_request_duration_seconds_bucket[',
    );
    expect(all).toContain('llm_router_backend_up{');
    expect(all).toContain('llm_router_backend_engine_waiting{');
  });

  it('every query parses as PromQL (promtool check rules)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'llm-router-grafana-'));
    try {
      const rules = panelExprs.map((expr, i) => ({
        record: `grafana:panel_query_${i}`,
        expr: asPromql(expr),
      }));
      const file = join(dir, 'rules.yml');
      // JSON is YAML.
      await writeFile(file, JSON.stringify({ groups: [{ name: 'grafana-dashboard', rules }] }));
      const { code, output } = await promtool(['check', 'rules', file]);
      expect(output).toContain(`SUCCESS: ${rules.length} rules found`);
      expect(code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('every metric and label it queries exists in /metrics of a router that served traffic', () => {
    const series = seriesLabels(metrics);
    const queries = [...panelExprs, ...variableQueries].map(asPromql);
    expect(queries.length).toBeGreaterThan(15);
    for (const query of queries) {
      const names = [...query.matchAll(/\b(llm_router_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
      expect(names.length, query).toBeGreaterThan(0);
      for (const name of names) expect(series.has(name), `${name} in ${query}`).toBe(true);
      // Label matchers of each selector, and grouping labels, exist on the metrics the query reads.
      for (const selector of query.matchAll(/\b(llm_router_[a-z0-9_]+)\{([^}]*)\}/g)) {
        for (const matcher of selector[2]!.matchAll(/([a-z_]+)\s*(=~|!=|!~|=)/g))
          expect(series.get(selector[1]!)?.has(matcher[1]!), `${matcher[1]} on ${selector[1]}`).toBe(true);
      }
      const available = new Set(names.flatMap((name) => [...(series.get(name) ?? [])]));
      for (const grouping of query.matchAll(/\b(?:by|on)\s*\(([^)]*)\)/g)) {
        for (const label of grouping[1]!.split(',').map((l) => l.trim()))
          expect(available.has(label), `${label} in ${query}`).toBe(true);
      }
      for (const legend of query.matchAll(/label_values\([^,]+,\s*([a-z_]+)\)/g))
        expect(available.has(legend[1]!), query).toBe(true);
    }
  });
});

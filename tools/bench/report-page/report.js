// The bench report page: reads the report embedded in the page (report.json's object) and renders stat
// cards, the percentile table, charts over time, the error breakdown and the run's settings. The chart
// code is the dashboard's (public/js/chart.js), inlined by tools/bench/report-html.ts with its helpers.

import { LineChart } from '../../../public/js/chart.js';
import { h } from '../../../public/js/dom.js';
import { int } from '../../../public/js/format.js';

const report = JSON.parse(document.getElementById('report-data').textContent);
const ab = 'added_ms' in report;
const sides = ab
  ? [
      ['direct', report.direct],
      ['router', report.router],
    ]
  : [['run', report]];
const SIDE_COLORS = { direct: '#f2a33a', router: '#4cb4f5', run: '#4cb4f5' };
const P99_COLORS = { direct: '#e5534b', router: '#a371f7', run: '#a371f7' };

const ms = (value) => (value === null || value === undefined ? '—' : value.toFixed(value >= 100 ? 1 : 2));
const signed = (value) =>
  value === null || value === undefined ? '—' : `${value >= 0 ? '+' : ''}${ms(value)}`;

function renderHeader() {
  document.getElementById('label').textContent = report.label;
  document.getElementById('started').textContent =
    `${new Date(report.started_at).toLocaleString()} · ${report.duration_s.toFixed(1)} s measured`;
  document.title = `bench · ${report.label}`;
  document.getElementById('partial').hidden = !report.partial;
}

function stat(label, value, sub) {
  return h(
    'div',
    { class: 'stat' },
    h('div', { class: 'stat-label', text: label }),
    h('div', { class: 'stat-value', text: value }),
    h('div', { class: 'stat-sub', text: sub ?? '' }),
  );
}

function renderStats() {
  const cards = [];
  for (const [name, side] of sides) {
    const prefix = ab ? `${name} · ` : '';
    const { requests, throughput } = side;
    cards.push(
      stat(
        `${prefix}requests`,
        int(requests.total),
        `${int(requests.ok)} ok · ${int(requests.failed)} failed`,
      ),
      stat(
        `${prefix}requests/s`,
        throughput.requests_per_s.toFixed(1),
        `peak in flight ${int(side.peak_in_flight)}`,
      ),
      stat(
        `${prefix}output tokens/s`,
        int(throughput.output_tokens_per_s),
        `${int(side.tokens.output_total)} tokens`,
      ),
      stat(`${prefix}TTFT p50`, `${ms(side.ttft_ms.p50)} ms`, `p99 ${ms(side.ttft_ms.p99)} ms`),
      stat(`${prefix}latency p50`, `${ms(side.latency_ms.p50)} ms`, `p99 ${ms(side.latency_ms.p99)} ms`),
    );
  }
  if (ab) {
    const added = report.added_ms;
    cards.push(
      stat('router added TTFT', `${signed(added.ttft.p50)} ms`, `p99 ${signed(added.ttft.p99)} ms`),
      stat('router added latency', `${signed(added.latency.p50)} ms`, `p99 ${signed(added.latency.p99)} ms`),
    );
  }
  document.getElementById('stats').replaceChildren(...cards);
}

function cells(tag, values, numeric) {
  return values.map((value, i) =>
    h(tag, { class: numeric && i > 1 ? 'num' : i === 0 ? 'side' : '', text: value }),
  );
}

function renderPercentiles() {
  const head = h('tr', {}, ...cells('th', ['', 'metric', 'p50', 'p90', 'p99', 'max', 'mean'], true));
  const rows = [];
  const metrics = [
    ['TTFT', 'ttft_ms'],
    ['inter-token', 'itl_ms'],
    ['end-to-end', 'latency_ms'],
  ];
  for (const [title, key] of metrics) {
    for (const [name, side] of sides) {
      const p = side[key];
      rows.push(
        h(
          'tr',
          {},
          ...cells('td', [name, title, ms(p.p50), ms(p.p90), ms(p.p99), ms(p.max), ms(p.mean)], true),
        ),
      );
    }
    const added = ab && { ttft_ms: report.added_ms.ttft, latency_ms: report.added_ms.latency }[key];
    if (added) {
      const values = ['router added', title, signed(added.p50), signed(added.p90), signed(added.p99), '', ''];
      rows.push(h('tr', { class: 'added' }, ...cells('td', values, true)));
    }
  }
  document.getElementById('percentiles').replaceChildren(h('thead', {}, head), h('tbody', {}, ...rows));
}

/** Epoch ms of each time-series point: t counts seconds from the end of the warm-up. */
function timesOf(side) {
  const origin = Date.parse(side.started_at) + (side.config.warmup_s ?? 0) * 1000;
  return side.timeseries.map((point) => origin + point.t * 1000);
}

/** One chart over the union of the sides' seconds, a series per side and field. */
function chart(title, fields, integer) {
  const root = h('div');
  const panel = h(
    'section',
    { class: 'panel' },
    h('div', { class: 'panel-head' }, h('h2', { class: 'panel-title', text: title })),
    root,
  );
  document.getElementById('charts').append(panel);
  const times = [...new Set(sides.flatMap(([, side]) => timesOf(side)))].sort((a, b) => a - b);
  const series = [];
  for (const [name, side] of sides) {
    const byTime = new Map(timesOf(side).map((t, i) => [t, side.timeseries[i]]));
    for (const [field, label, palette] of fields) {
      series.push({
        key: `${name}-${field}`,
        name: ab ? `${name} ${label}` : label,
        color: palette[name],
        values: times.map((t) => byTime.get(t)?.[field] ?? null),
      });
    }
  }
  const lineChart = new LineChart(root, { integer, emptyText: 'No measured requests', legendValues: false });
  lineChart.update({ times, series });
  panel.dataset.chart = title;
}

function renderCharts() {
  chart('Requests per second', [['requests_per_s', 'requests/s', SIDE_COLORS]], true);
  chart('Output tokens per second', [['output_tokens_per_s', 'tokens/s', SIDE_COLORS]], true);
  chart(
    'Time to first token (ms)',
    [
      ['ttft_p50_ms', 'p50', SIDE_COLORS],
      ['ttft_p99_ms', 'p99', P99_COLORS],
    ],
    false,
  );
  chart(
    'End-to-end latency (ms)',
    [
      ['latency_p50_ms', 'p50', SIDE_COLORS],
      ['latency_p99_ms', 'p99', P99_COLORS],
    ],
    false,
  );
  chart('Errors per second', [['errors', 'errors/s', P99_COLORS]], true);
}

function renderErrors() {
  const rows = [];
  for (const [name, side] of sides) {
    const total = side.requests.total;
    for (const [kind, count] of Object.entries(side.errors)) {
      const share = total > 0 ? `${((100 * count) / total).toFixed(2)}%` : '—';
      rows.push(
        h(
          'tr',
          {},
          h('td', { class: 'side', text: name }),
          h('td', { class: 'mono', text: kind }),
          h('td', { class: 'num', text: int(count) }),
          h('td', { class: 'num', text: share }),
          h('td', { class: 'sample', text: side.error_samples[kind] ?? '' }),
        ),
      );
    }
  }
  const table = document.getElementById('errors');
  if (rows.length === 0) {
    table.replaceChildren(h('tbody', {}, h('tr', {}, h('td', { class: 'muted', text: 'No errors.' }))));
    return;
  }
  const head = h(
    'tr',
    {},
    ...['', 'kind', 'count', 'share', 'first message'].map((text) => h('th', { text })),
  );
  table.replaceChildren(h('thead', {}, head), h('tbody', {}, ...rows));
}

function renderConfig() {
  const rows = Object.entries(report.config).map(([key, value]) =>
    h(
      'tr',
      {},
      h('td', { class: 'mono', text: key }),
      h('td', {
        class: 'mono',
        text: value === null ? '—' : typeof value === 'object' ? JSON.stringify(value) : String(value),
      }),
    ),
  );
  document.getElementById('config').replaceChildren(h('tbody', {}, ...rows));
}

renderHeader();
renderStats();
renderPercentiles();
renderCharts();
renderErrors();
renderConfig();
document.body.dataset.rendered = 'true';

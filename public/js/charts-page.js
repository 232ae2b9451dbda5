// Charts page: one switchable time-series chart, TTFT and end-to-end latency by model or backend, and
// four fixed overview charts, all from /api/history.

import { poll } from './api.js';
import { colorFor, LineChart } from './chart.js';
import { setText } from './dom.js';
import { int } from './format.js';

const REFRESH_MS = 1000;
/** More lines than this are unreadable: the main chart keeps the busiest ones. */
const MAX_SERIES = 12;

const METRICS = {
  send_rpm: { label: 'Send RPM', unit: 'req/min' },
  comp_rpm: { label: 'Completion RPM', unit: 'req/min' },
  running: { label: 'Running', unit: 'requests' },
  waiting: { label: 'Waiting', unit: 'requests' },
  conns: { label: 'Connections', unit: 'connections' },
  pending: { label: 'Pending', unit: 'requests' },
  ttft_p50: { label: 'TTFT p50', unit: 'ms' },
  ttft_p99: { label: 'TTFT p99', unit: 'ms' },
  latency_p50: { label: 'E2E latency p50', unit: 'ms' },
  latency_p99: { label: 'E2E latency p99', unit: 'ms' },
  tokens_per_s: { label: 'Output tokens/s', unit: 'tokens/s' },
};
const LATENCY_DIMENSIONS = ['model', 'backend'];
const QUANTILES = ['p50', 'p99'];
const DIMENSIONS = ['total', 'model', 'backend'];

const $ = (id) => document.getElementById(id);

const state = readHash();
let samples = [];

const main = new LineChart($('main-chart'), { yLabel: METRICS[state.metric].unit });
const latencyCharts = {
  ttft: new LineChart($('chart-ttft'), {
    yLabel: 'ms',
    emptyText: 'No successful requests in the window yet',
  }),
  e2e: new LineChart($('chart-e2e'), { yLabel: 'ms', emptyText: 'No successful requests in the window yet' }),
};
const overview = {
  rpm: new LineChart($('chart-rpm'), { yLabel: 'req/min' }),
  load: new LineChart($('chart-load'), { yLabel: 'requests' }),
  conns: new LineChart($('chart-conns'), { yLabel: 'connections' }),
  health: new LineChart($('chart-health'), { yLabel: 'backends' }),
};

function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const dimension = params.get('dim');
  const metric = params.get('metric');
  const latencyBy = params.get('lat');
  const quantile = params.get('q');
  return {
    dimension: DIMENSIONS.includes(dimension) ? dimension : 'total',
    metric: Object.hasOwn(METRICS, metric ?? '') ? metric : 'send_rpm',
    latencyBy: LATENCY_DIMENSIONS.includes(latencyBy) ? latencyBy : 'model',
    quantile: QUANTILES.includes(quantile) ? quantile : 'p50',
  };
}

function writeHash() {
  const params = new URLSearchParams({
    dim: state.dimension,
    metric: state.metric,
    lat: state.latencyBy,
    q: state.quantile,
  });
  history.replaceState(null, '', `#${params}`);
}

function syncControls() {
  for (const button of $('dimension').querySelectorAll('button')) {
    button.setAttribute('aria-pressed', String(button.dataset.value === state.dimension));
  }
  for (const button of $('latency-dimension').querySelectorAll('button')) {
    button.setAttribute('aria-pressed', String(button.dataset.value === state.latencyBy));
  }
  for (const button of $('latency-quantile').querySelectorAll('button')) {
    button.setAttribute('aria-pressed', String(button.dataset.value === state.quantile));
  }
  $('metric').value = state.metric;
  main.options.yLabel = METRICS[state.metric].unit;
}

// ---------------------------------------------------------------------------------------------------

function timesOf(list) {
  return list.map((sample) => Date.parse(sample.time));
}

function totalSeries(key, name, color) {
  return { key, name, color, values: samples.map((s) => numberOr(s.totals?.[key])) };
}

function numberOr(value) {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * One series per model or backend of `metric`; the MAX_SERIES busiest (highest peak, then latest) when
 * there are more, with a note saying so.
 */
function groupSeries(dimension, metric) {
  const group = dimension === 'model' ? 'models' : 'backends';
  const names = new Set();
  for (const sample of samples) for (const name of Object.keys(sample[group] ?? {})) names.add(name);
  const all = [...names].map((name) => {
    const values = samples.map((s) => numberOr(s[group]?.[name]?.[metric]));
    let peak = 0;
    let latest = 0;
    for (const v of values) {
      if (v === null) continue;
      if (v > peak) peak = v;
      latest = v;
    }
    const label = group === 'backends' ? shortBackend(name) : name;
    return {
      key: `${group}:${name}`,
      name: label,
      title: name,
      color: colorFor(`${group}:${name}`),
      values,
      peak,
      latest,
    };
  });
  all.sort((a, b) => b.peak - a.peak || b.latest - a.latest || a.name.localeCompare(b.name));
  const series = all.slice(0, MAX_SERIES).sort((a, b) => a.name.localeCompare(b.name));
  const noun = dimension === 'model' ? 'models' : 'backends';
  const note =
    all.length > MAX_SERIES
      ? `${MAX_SERIES} busiest of ${int(all.length)} ${noun}`
      : `${int(all.length)} ${all.length === 1 ? noun.slice(0, -1) : noun}`;
  return { series, note };
}

function renderMain() {
  const { dimension, metric } = state;
  const times = timesOf(samples);
  let series;
  let note = '';
  if (dimension === 'total') {
    series = [totalSeries(metric, `Total ${METRICS[metric].label}`, '#4cb4f5')];
  } else {
    ({ series, note } = groupSeries(dimension, metric));
  }
  const span = times.length > 1 ? Math.round((times[times.length - 1] - times[0]) / 1000) : 0;
  setText($('main-note'), [note, times.length ? `last ${span} s` : ''].filter(Boolean).join(' · '));
  main.update({ times, series });
}

function renderLatency() {
  const times = timesOf(samples);
  const ttft = groupSeries(state.latencyBy, `ttft_${state.quantile}`);
  const e2e = groupSeries(state.latencyBy, `latency_${state.quantile}`);
  setText($('ttft-note'), `${state.quantile} · ${ttft.note}`);
  setText($('e2e-note'), `${state.quantile} · ${e2e.note}`);
  latencyCharts.ttft.update({ times, series: ttft.series });
  latencyCharts.e2e.update({ times, series: e2e.series });
}

/** `model@http://10.0.0.1:8000/v1` → `model@10.0.0.1:8000` for legends (the full id is the title). */
function shortBackend(id) {
  return id.replace(/@https?:\/\//, '@').replace(/\/v1\/?$/, '');
}

function renderOverview() {
  const times = timesOf(samples);
  overview.rpm.update({
    times,
    series: [
      totalSeries('send_rpm', 'Send RPM', '#4cb4f5'),
      totalSeries('comp_rpm', 'Completion RPM', '#3fb950'),
    ],
  });
  overview.load.update({
    times,
    series: [totalSeries('running', 'Running', '#a371f7'), totalSeries('waiting', 'Waiting', '#f2a33a')],
  });
  overview.conns.update({
    times,
    series: [totalSeries('conns', 'Connections', '#4cb4f5'), totalSeries('pending', 'Pending', '#f2a33a')],
  });
  overview.health.update({
    times,
    series: [totalSeries('healthy', 'Healthy', '--ok'), totalSeries('unhealthy', 'Unhealthy', '--bad')],
  });
}

function render(data) {
  samples = Array.isArray(data?.samples) ? data.samples.filter((s) => s && typeof s.time === 'string') : [];
  renderMain();
  renderLatency();
  renderOverview();
  document.body.dataset.loaded = 'true';
}

$('dimension').addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest('button[data-value]') : null;
  if (!button) return;
  state.dimension = button.dataset.value;
  writeHash();
  syncControls();
  renderMain();
});
for (const [id, key] of [
  ['latency-dimension', 'latencyBy'],
  ['latency-quantile', 'quantile'],
]) {
  $(id).addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button[data-value]') : null;
    if (!button) return;
    state[key] = button.dataset.value;
    writeHash();
    syncControls();
    renderLatency();
  });
}
$('metric').addEventListener('change', (event) => {
  state.metric = event.target.value;
  writeHash();
  syncControls();
  renderMain();
});
window.addEventListener('hashchange', () => {
  Object.assign(state, readHash());
  syncControls();
  renderMain();
  renderLatency();
});

syncControls();
poll('/api/history', REFRESH_MS, render);

// Overview page: totals, per-source and per-model cards, config errors, the backend table, recent errors.

import { poll } from './api.js';
import { h, reconcile, setClass, setText, setTitle } from './dom.js';
import { ago, clock, compact, duration, int, ms, percent } from './format.js';

const REFRESH_MS = 1000;

const $ = (id) => document.getElementById(id);

const ui = {
  meta: $('meta'),
  stats: $('stats'),
  sources: $('sources'),
  models: $('models'),
  configErrors: $('config-errors'),
  configErrorList: $('config-error-list'),
  rows: $('backend-rows'),
  backendCount: $('backend-count'),
  backendsEmpty: $('backends-empty'),
  filter: $('backend-filter'),
  health: $('health-filter'),
  errors: $('recent-errors'),
  errorsEmpty: $('errors-empty'),
  errorCount: $('error-count'),
  table: $('backends'),
};

let last = null;
const sort = { key: null, dir: 1 };

// ---------------------------------------------------------------------------------------------------
// Header and stat cards

function renderMeta(system) {
  const parts = [];
  if (system.version) parts.push(`v${system.version}`);
  if (system.runtime) parts.push(system.runtime);
  if (system.strategy) parts.push(`strategy: ${system.strategy}`);
  // state.store: redis. Degraded: Redis did not answer, this replica serves on its own share of the limits.
  const state = system.state;
  if (state) {
    const replicas = `${state.replicas} replica${state.replicas === 1 ? '' : 's'}`;
    parts.push(
      state.status === 'degraded'
        ? `state: ${state.store} DEGRADED (own share of the limits) since ${clock(new Date(state.degraded_since))}`
        : `state: ${state.store} shared · ${replicas}`,
    );
  }
  setText(ui.meta, parts.join(' · '));
  setClass(ui.meta, state?.status === 'degraded' ? 'meta tone-warn-text' : 'meta');
}

function stat(name, value, sub, tone = '') {
  const card = ui.stats.querySelector(`[data-stat="${name}"]`);
  if (!card) return;
  setText(card.querySelector('[data-value]'), value);
  setText(card.querySelector('[data-sub]'), sub);
  setClass(card, tone ? `stat tone-${tone}` : 'stat');
}

function renderStats(data) {
  const { system = {}, requests = {} } = data;
  stat('uptime', duration(system.uptime_seconds), system.time ? `since ${startedAt(system)}` : '');
  stat(
    'requests',
    int(requests.total),
    `${int(requests.client_errors ?? 0)} client errors · ${int(requests.rejected ?? 0)} rejected`,
  );
  stat('success', int(requests.success), '', '');
  stat('failures', int(requests.failures), '', (requests.failures ?? 0) > 0 ? 'bad' : '');
  const rate = requests.success_rate;
  const finished = (requests.success ?? 0) + (requests.failures ?? 0);
  stat(
    'rate',
    percent(rate, rate === 100 ? 0 : 2),
    finished === 0 ? 'no finished requests yet' : `of ${int(finished)} finished`,
    finished === 0 ? '' : rate >= 99 ? 'ok' : rate >= 90 ? 'warn' : 'bad',
  );
  const latency = data.latency ?? {};
  stat(
    'ttft',
    ms(latency.ttft_p50_ms),
    latency.ttft_p50_ms === null || latency.ttft_p50_ms === undefined
      ? 'no successful requests in the last 60 s'
      : `p99 ${ms(latency.ttft_p99_ms)} · e2e p50 ${ms(latency.latency_p50_ms)}`,
  );
  const memory = system.memory_mb;
  stat(
    'memory',
    typeof memory === 'number' ? `${memory.toFixed(memory >= 100 ? 0 : 1)} MB` : '—',
    typeof memory === 'number' ? 'resident set' : 'not reported by this runtime',
  );
}

function startedAt(system) {
  const t = Date.parse(system.time) - (system.uptime_seconds ?? 0) * 1000;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? '—' : `${d.toLocaleDateString()} ${clock(d)}`;
}

// ---------------------------------------------------------------------------------------------------
// Source and model cards

function badgeTone(healthy, total) {
  if (total === 0) return 'muted';
  if (healthy === total) return 'ok';
  return healthy === 0 ? 'bad' : 'warn';
}

function createCard(fields, titleText, onClick) {
  const title = h('span', { class: 'card-title' });
  const badge = h('span', { class: 'badge' });
  const values = {};
  const formats = {};
  const list = h(
    'dl',
    { class: 'kv' },
    fields.map(([key, label, format]) => {
      values[key] = h('dd', { class: 'num' });
      if (format) formats[key] = format;
      return h('div', { class: 'kv-item' }, h('dt', { text: label }), values[key]);
    }),
  );
  const card = h('div', { class: 'card' }, h('div', { class: 'card-head' }, title, badge), list);
  if (onClick) {
    card.classList.add('clickable');
    card.tabIndex = 0;
    card.setAttribute('role', 'button');
    card.addEventListener('click', () => onClick(card));
    card.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        onClick(card);
      }
    });
  }
  card._ui = { title, badge, values, formats };
  setTitle(card, titleText);
  return card;
}

function updateCard(card, name, healthy, total, values, rpmKeys) {
  const { title, badge } = card._ui;
  setText(title, name);
  setTitle(title, name);
  setText(badge, `${int(healthy)}/${int(total)} healthy`);
  setClass(badge, `badge tone-${badgeTone(healthy, total)}`);
  for (const [key, value] of Object.entries(values)) {
    const node = card._ui.values[key];
    if (!node) continue;
    const format = card._ui.formats[key];
    if (format) {
      setText(node, format(value));
      continue;
    }
    setText(node, rpmKeys?.includes(key) ? int(value) : compact(value));
    setTitle(node, int(value));
  }
}

const SOURCE_FIELDS = [
  ['conns', 'Conns'],
  ['pending', 'Pending'],
  ['send_rpm', 'Send RPM'],
  ['comp_rpm', 'Comp RPM'],
  ['running', 'Running'],
  ['waiting', 'Waiting'],
  ['completed', 'Completed'],
];

function renderSources(summary) {
  reconcile(
    ui.sources,
    summary,
    (s) => s.source_type,
    () => createCard(SOURCE_FIELDS, ''),
    (card, s) => {
      updateCard(
        card,
        s.source_type,
        s.healthy,
        s.total,
        {
          conns: s.conns,
          pending: s.pending,
          send_rpm: s.send_rpm,
          comp_rpm: s.comp_rpm,
          running: s.running,
          waiting: s.waiting,
          completed: s.completed,
        },
        ['send_rpm', 'comp_rpm'],
      );
    },
  );
  if (summary.length === 0) ui.sources.append(h('p', { class: 'empty', text: 'No sources loaded.' }));
}

const MODEL_FIELDS = [
  ['running', 'Running'],
  ['waiting', 'Waiting'],
  ['comp_rpm', 'Comp RPM'],
  ['completed', 'Completed'],
  ['ttft_p50_ms', 'TTFT p50', ms],
  ['latency_p50_ms', 'E2E p50', ms],
  ['output_tokens_per_s', 'Tok/s', compact],
  ['_errors', 'Errors 60 s', int],
];

function renderModels(models) {
  reconcile(
    ui.models,
    models,
    (m) => m.name,
    () =>
      createCard(MODEL_FIELDS, 'Show only this model’s backends', (card) => {
        const name = card._ui.title.textContent;
        ui.filter.value = ui.filter.value === name ? '' : name;
        renderBackends();
      }),
    (card, m) => {
      updateCard(
        card,
        m.name,
        m.healthy,
        m.total,
        {
          running: m.running,
          waiting: m.waiting,
          comp_rpm: m.comp_rpm,
          completed: m.completed,
          ttft_p50_ms: m.ttft_p50_ms,
          latency_p50_ms: m.latency_p50_ms,
          output_tokens_per_s: m.output_tokens_per_s,
          _errors: errorTotal(m.errors),
        },
        ['comp_rpm'],
      );
      card.classList.toggle('selected', ui.filter.value === m.name);
    },
  );
  if (models.length === 0) ui.models.append(h('p', { class: 'empty', text: 'No models configured.' }));
}

// ---------------------------------------------------------------------------------------------------
// Config errors and recent errors

function renderConfigErrors(list) {
  ui.configErrors.hidden = list.length === 0;
  reconcile(
    ui.configErrorList,
    list,
    (e) => e.file,
    () => {
      const li = h('li');
      li._ui = {
        file: h('span', { class: 'mono strong' }),
        at: h('span', { class: 'muted' }),
        message: h('pre', { class: 'banner-message' }),
      };
      li.append(li._ui.file, ' ', li._ui.at, li._ui.message);
      return li;
    },
    (li, e) => {
      setText(li._ui.file, e.file);
      setText(li._ui.at, e.at ? `rejected ${ago(e.at)}` : '');
      setTitle(li._ui.at, e.at ?? '');
      setText(li._ui.message, e.message);
    },
  );
}

function renderRecentErrors(list) {
  setText(ui.errorCount, list.length ? String(list.length) : '');
  ui.errorsEmpty.hidden = list.length > 0;
  reconcile(
    ui.errors,
    list,
    (e) => `${e.backend}\u0000${e.at}`,
    () => {
      const li = h('li', { class: 'error-item' });
      li._ui = {
        at: h('time', { class: 'error-time mono' }),
        backend: h('span', { class: 'error-backend mono' }),
        message: h('span', { class: 'error-message' }),
      };
      li.append(li._ui.at, li._ui.backend, li._ui.message);
      return li;
    },
    (li, e) => {
      setText(li._ui.at, e.at ? clock(e.at) : '—');
      setTitle(li._ui.at, e.at ? `${e.at} (${ago(e.at)})` : '');
      setText(li._ui.backend, e.backend);
      setTitle(li._ui.backend, e.backend);
      setText(li._ui.message, e.error ?? '');
      setTitle(li._ui.message, e.error ?? '');
    },
  );
}

// ---------------------------------------------------------------------------------------------------
// Backend table

const STATUS_RANK = { ejected: 0, unhealthy: 1, probing: 2, limited: 3, healthy: 4 };

function statusOf(b) {
  if (b.ejected) {
    return {
      key: 'ejected',
      label: 'ejected',
      tone: 'bad',
      title: `Passive breaker open: ${b.consecutive_failures ?? '?'} consecutive failed requests. Back after the next passing probe.`,
    };
  }
  if (!b.healthy && b.probed === false) {
    return { key: 'probing', label: 'probing', tone: 'muted', title: 'Waiting for its first health probe' };
  }
  if (!b.healthy)
    return { key: 'unhealthy', label: 'unhealthy', tone: 'bad', title: 'Failing health probes' };
  if (b.rate_limited_until) {
    return {
      key: 'limited',
      label: `limited → ${clock(b.rate_limited_until)}`,
      tone: 'warn',
      title: `Upstream answered 429: held back until ${b.rate_limited_until}`,
    };
  }
  return {
    key: 'healthy',
    label: 'healthy',
    tone: 'ok',
    title: b.probed === false ? 'Healthy (not probed yet)' : 'Passing health probes',
  };
}

/** Attempts that went wrong at the backend (client 4xx are the client's), from an errors-by-kind map. */
function errorTotal(errors) {
  if (!errors || typeof errors !== 'object') return null;
  let total = 0;
  for (const [kind, n] of Object.entries(errors))
    if (kind !== 'client_error' && typeof n === 'number') total += n;
  return total;
}

function errorTitle(errors) {
  if (!errors || typeof errors !== 'object') return '';
  const parts = Object.entries(errors)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${kind.replace('_', ' ')}: ${int(n)}`);
  return parts.length ? `Last 60 s — ${parts.join(', ')}` : 'No errors in the last 60 s';
}

const LATENCY_COLUMNS = ['ttft_p50_ms', 'ttft_p99_ms', 'latency_p50_ms', 'latency_p99_ms'];

const NUMBER_COLUMNS = [
  'connections',
  'pending',
  'send_rpm',
  'comp_rpm',
  'rpm_limit',
  'running',
  'waiting',
  'total_requests',
  'completed',
  'failures',
];

function createRow() {
  const cell = (cls) => h('td', cls ? { class: cls } : {});
  const chip = h('span', { class: 'chip' });
  const name = h('span', { class: 'backend-model' });
  const base = h('span', { class: 'backend-base mono' });
  const engine = cell();
  const source = cell();
  const numbers = Object.fromEntries(NUMBER_COLUMNS.map((key) => [key, cell('num')]));
  const kvFill = h('span', { class: 'bar-fill' });
  const kvBar = h('span', { class: 'bar' }, kvFill);
  const kvText = h('span', { class: 'bar-text num' });
  const kv = h('td', { class: 'col-kv' }, h('span', { class: 'bar-wrap' }, kvBar, kvText));
  const hitRate = cell('num');
  const slots = cell('num');
  const speed = cell('num');
  const prompt = cell('num');
  const generation = cell('num');
  const latency = Object.fromEntries(LATENCY_COLUMNS.map((key) => [key, cell('num')]));
  const tokens = cell('num');
  const errors = cell('num');
  const errorTime = h('span', { class: 'muted' });
  const errorText = h('span', { class: 'error-text' });
  const error = h('td', { class: 'col-error' }, errorTime, errorText);
  const row = h(
    'tr',
    {},
    h('td', {}, chip),
    h('td', { class: 'col-name' }, h('div', { class: 'cell-stack' }, name, base)),
    engine,
    source,
    ...['connections', 'pending', 'send_rpm', 'comp_rpm', 'rpm_limit', 'running', 'waiting'].map(
      (key) => numbers[key],
    ),
    kv,
    hitRate,
    slots,
    speed,
    ...['total_requests', 'completed', 'failures'].map((key) => numbers[key]),
    prompt,
    generation,
    ...LATENCY_COLUMNS.map((key) => latency[key]),
    tokens,
    errors,
    error,
  );
  row._ui = {
    latency,
    tokens,
    errors,
    chip,
    name,
    base,
    engine,
    source,
    numbers,
    kvFill,
    kvBar,
    kvText,
    hitRate,
    slots,
    speed,
    prompt,
    generation,
    errorTime,
    errorText,
    error,
  };
  return row;
}

function updateRow(row, b) {
  const u = row._ui;
  const status = b._status;
  setText(u.chip, status.label);
  setClass(u.chip, `chip tone-${status.tone}`);
  setTitle(u.chip, status.title);
  row.dataset.status = status.key;
  setText(u.name, b.model_name);
  setText(u.base, b.api_base ?? '');
  setTitle(row.cells[1], b.id);

  const hasMetrics = b.metrics_age_ms !== null && b.metrics_age_ms !== undefined;
  const stale = hasMetrics && b.metrics_age_ms > 15000;
  setText(u.engine, b.engine ?? 'unknown');
  setClass(u.engine, b.engine === 'unknown' || !b.engine ? 'muted' : stale ? 'stale' : '');
  setTitle(
    u.engine,
    hasMetrics
      ? `engine metrics ${Math.round(b.metrics_age_ms / 1000)} s old`
      : 'no engine metrics (not scraped)',
  );
  setText(u.source, b.source_type ?? '');

  for (const key of NUMBER_COLUMNS) {
    const node = u.numbers[key];
    const value = b[key];
    if (key === 'rpm_limit') {
      setText(node, value === null || value === undefined ? '∞' : int(value));
      setTitle(
        node,
        value === null || value === undefined ? 'unlimited' : `${int(value)} requests per minute`,
      );
      continue;
    }
    if ((key === 'running' || key === 'waiting') && !hasMetrics) {
      setText(node, '—');
      setClass(node, 'num muted');
      continue;
    }
    setText(node, int(value));
    let tone = value === 0 ? 'num zero' : 'num';
    if (key === 'failures' && value > 0) tone = 'num tone-bad-text';
    if (key === 'waiting' && value > 0) tone = 'num tone-warn-text';
    if (key === 'send_rpm' && typeof b.rpm_limit === 'number' && value >= b.rpm_limit * 0.9) {
      tone = 'num tone-warn-text';
    }
    setClass(node, tone);
  }

  if (hasMetrics) {
    const pct = Math.max(0, Math.min(100, Number(b.gpu_cache) || 0));
    u.kvBar.hidden = false;
    const width = `${pct}%`;
    if (u.kvFill.style.width !== width) u.kvFill.style.width = width;
    setClass(u.kvFill, `bar-fill ${pct >= 90 ? 'tone-bad' : pct >= 70 ? 'tone-warn' : 'tone-ok'}`);
    setText(u.kvText, percent(pct));
  } else {
    u.kvBar.hidden = true;
    setText(u.kvText, '—');
  }
  setTitle(u.kvText.parentElement, hasMetrics ? `KV cache ${percent(b.gpu_cache)}` : 'no engine metrics');
  const hit = b.prefix_cache_hit_rate;
  setText(u.hitRate, typeof hit === 'number' ? percent(hit) : '—');
  setTitle(
    u.hitRate,
    typeof hit === 'number'
      ? `prefix-cache hit rate over the last minute: ${percent(hit)}`
      : 'not reported by the engine',
  );

  updateProfile(u, b);

  setText(u.prompt, hasMetrics ? compact(b.prompt_tokens) : '—');
  setTitle(u.prompt, hasMetrics ? int(b.prompt_tokens) : '');
  setText(u.generation, hasMetrics ? compact(b.generation_tokens) : '—');
  setTitle(u.generation, hasMetrics ? int(b.generation_tokens) : '');

  for (const key of LATENCY_COLUMNS) {
    setText(u.latency[key], ms(b[key]));
    setClass(u.latency[key], b[key] === null || b[key] === undefined ? 'num muted' : 'num');
  }
  setText(u.tokens, compact(b.output_tokens_per_s));
  setClass(
    u.tokens,
    b.output_tokens_per_s === null || b.output_tokens_per_s === undefined ? 'num muted' : 'num',
  );
  setTitle(u.tokens, hasMetrics ? 'engine generation counter over the last 60 s' : 'no engine metrics');
  setText(u.errors, int(b._errors));
  setClass(u.errors, b._errors > 0 ? 'num tone-bad-text' : 'num zero');
  setTitle(u.errors, errorTitle(b.errors));

  if (b.last_error) {
    setText(u.errorTime, b.last_error_at ? `${ago(b.last_error_at)} · ` : '');
    setText(u.errorText, b.last_error);
    setTitle(u.error, `${b.last_error_at ?? ''}\n${b.last_error}`);
  } else {
    setText(u.errorTime, '');
    setText(u.errorText, '—');
    setTitle(u.error, '');
  }
  setClass(u.errorText, b.last_error ? 'error-text' : 'error-text muted');
}

const CAPACITY_SOURCES = {
  configured: 'max_num_seqs from the backend entry',
  reported: 'reported by the engine (sglang:max_running_requests)',
  learned: 'learned: the running count the engine plateaued at while requests waited',
  unknown: "unknown: the model's typical value is assumed",
};

/** least-waiting's slots and relative speed; an unknown one is shown muted with what is assumed. */
function updateProfile(u, b) {
  const source = b.capacity_source ?? 'unknown';
  setText(u.slots, b.capacity === null || b.capacity === undefined ? '—' : int(b.capacity));
  setClass(u.slots, source === 'unknown' ? 'num muted' : 'num');
  setTitle(u.slots, CAPACITY_SOURCES[source] ?? source);
  const speedSource = b.speed_source ?? 'unknown';
  const known = typeof b.relative_speed === 'number';
  setText(u.speed, known ? `${b.relative_speed.toFixed(2)}×` : '—');
  setClass(u.speed, speedSource === 'unknown' ? 'num muted' : 'num');
  const times = `first token ${int(b.first_token_ms)} ms, request ${int(b.service_ms)} ms`;
  setTitle(
    u.speed,
    speedSource === 'learned'
      ? `${times} (medians of its recent requests)`
      : speedSource === 'reported'
        ? `${times} (the typical times, scaled by the engine's token rate until measured)`
        : 'unknown: taken as the typical speed until measured',
  );
}

function matches(b, terms, health) {
  const key = b._status.key;
  if (health === 'healthy' && !(key === 'healthy' || key === 'limited')) return false;
  if (health === 'unhealthy' && (key === 'healthy' || key === 'limited')) return false;
  if (health === 'limited' && key !== 'limited') return false;
  if (terms.length === 0) return true;
  const haystack =
    `${b.id} ${b.model_name} ${b.api_base ?? ''} ${b.engine ?? ''} ${b.source_type ?? ''} ${b._status.label}`.toLowerCase();
  return terms.every((term) => haystack.includes(term));
}

const NUMERIC_SORT = new Set([...LATENCY_COLUMNS, 'output_tokens_per_s', '_errors']);

function compareBy(key, dir) {
  return (a, b) => {
    let x;
    let y;
    if (key === 'status') {
      x = STATUS_RANK[a._status.key];
      y = STATUS_RANK[b._status.key];
    } else if (key === 'rpm_limit') {
      x = a.rpm_limit ?? Number.POSITIVE_INFINITY;
      y = b.rpm_limit ?? Number.POSITIVE_INFINITY;
    } else if (NUMERIC_SORT.has(key)) {
      // No value (no traffic in the window) sorts below every number.
      x = a[key] ?? Number.NEGATIVE_INFINITY;
      y = b[key] ?? Number.NEGATIVE_INFINITY;
    } else {
      x = a[key] ?? '';
      y = b[key] ?? '';
    }
    const result =
      typeof x === 'number' && typeof y === 'number'
        ? x === y
          ? 0
          : x - y
        : String(x).localeCompare(String(y), undefined, { numeric: true });
    return result === 0 ? a.id.localeCompare(b.id) : result * dir;
  };
}

function renderBackends() {
  if (!last) return;
  const all = last.backends ?? [];
  for (const b of all) {
    b._status = statusOf(b);
    b._errors = errorTotal(b.errors);
  }
  const terms = ui.filter.value.toLowerCase().split(/\s+/).filter(Boolean);
  const health = ui.health.value;
  let shown = all.filter((b) => matches(b, terms, health));
  if (sort.key) shown = [...shown].sort(compareBy(sort.key, sort.dir));
  reconcile(ui.rows, shown, (b) => b.id, createRow, updateRow);

  const healthy = all.filter((b) => b.healthy).length;
  setText(
    ui.backendCount,
    shown.length === all.length
      ? `${int(all.length)} · ${int(healthy)} healthy`
      : `${int(shown.length)} of ${int(all.length)} shown`,
  );
  ui.backendsEmpty.hidden = shown.length > 0;
  setText(ui.backendsEmpty, all.length === 0 ? 'No backends configured.' : 'No backend matches the filter.');
  for (const card of ui.models.querySelectorAll('.card')) {
    card.classList.toggle('selected', card._ui?.title.textContent === ui.filter.value);
  }
}

function setupTable() {
  for (const th of ui.table.querySelectorAll('th[data-sort]')) {
    th.tabIndex = 0;
    th.classList.add('sortable');
    // Numbers read best largest-first, names alphabetically; a third click restores the config order.
    const firstDir =
      th.classList.contains('num') || ['gpu_cache', 'last_error_at'].includes(th.dataset.sort) ? -1 : 1;
    const activate = () => {
      const key = th.dataset.sort;
      if (sort.key !== key) {
        sort.key = key;
        sort.dir = firstDir;
      } else if (sort.dir === firstDir) {
        sort.dir = -firstDir;
      } else {
        sort.key = null;
      }
      for (const other of ui.table.querySelectorAll('th[data-sort]')) other.removeAttribute('aria-sort');
      if (sort.key) th.setAttribute('aria-sort', sort.dir === 1 ? 'ascending' : 'descending');
      renderBackends();
    };
    th.addEventListener('click', activate);
    th.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        activate();
      }
    });
  }
  ui.filter.addEventListener('input', renderBackends);
  ui.health.addEventListener('change', renderBackends);
  document.addEventListener('keydown', (event) => {
    if (event.key === '/' && document.activeElement?.tagName !== 'INPUT') {
      event.preventDefault();
      ui.filter.focus();
    }
  });
}

// ---------------------------------------------------------------------------------------------------

function render(data) {
  last = data;
  renderMeta(data.system ?? {});
  renderStats(data);
  renderConfigErrors(data.config_errors ?? []);
  renderSources(data.summary ?? []);
  renderModels(data.models ?? []);
  renderBackends();
  renderRecentErrors(data.recent_errors ?? []);
  document.body.dataset.loaded = 'true';
}

setupTable();
poll('/api/dashboard', REFRESH_MS, render);

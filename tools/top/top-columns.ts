import type { Column } from './table-layout.ts';
import { printable } from './text-cells.ts';
import type { TopBackend, TopModel } from './top-data.ts';
import { compact, int, ms, NONE } from './top-format.ts';
import { errorCount, type SortKey, statusOf } from './top-view.ts';

const SORTED = ' ▼';

/** The backend table; `sort` marks its column header. Drop order documented in docs/cli.md. */
export function backendColumns(sort: SortKey): Column<TopBackend>[] {
  const mark = (key: SortKey, header: string) => (sort === key ? header + SORTED : header);
  const hasMetrics = (b: TopBackend) => b.metrics_age_ms !== null;
  return [
    {
      header: mark('status', 'STATUS'),
      align: 'left',
      drop: 0,
      min: 7,
      max: 9,
      value: (b) => statusOf(b).label,
      tone: (b) => statusOf(b).tone,
    },
    { header: 'MODEL', align: 'left', drop: 0, min: 14, max: 28, value: (b) => printable(b.model_name) },
    {
      header: 'API BASE',
      align: 'left',
      drop: 2,
      min: 20,
      max: 40,
      // Host, port and path without the scheme and the usual /v1: what tells backends apart on a narrow
      // screen. The Go router's shapes have no api_base; its id is model@api_base.
      value: (b) =>
        printable(
          (b.api_base ?? b.id.slice(b.id.indexOf('@') + 1))
            .replace(/^https?:\/\//, '')
            .replace(/\/v1\/?$/, ''),
        ),
    },
    { header: 'ENGINE', align: 'left', drop: 7, min: 6, max: 7, value: (b) => printable(b.engine) },
    {
      header: mark('conns', 'CONNS'),
      align: 'right',
      drop: 0,
      min: 5,
      max: 9,
      value: (b) => int(b.connections),
    },
    {
      header: 'RUN',
      align: 'right',
      drop: 5,
      min: 3,
      max: 6,
      value: (b) => (hasMetrics(b) ? int(b.running) : NONE),
    },
    {
      header: mark('waiting', 'WAIT'),
      align: 'right',
      drop: 3,
      min: 4,
      max: 8,
      value: (b) => (hasMetrics(b) ? int(b.waiting) : NONE),
      tone: (b) => (b.waiting > 0 ? 'warn' : null),
    },
    {
      header: mark('send', 'SEND/M'),
      align: 'right',
      drop: 4,
      min: 6,
      max: 9,
      value: (b) => int(b.send_rpm),
      tone: (b) => (b.rpm_limit !== null && b.send_rpm >= b.rpm_limit * 0.9 ? 'warn' : null),
    },
    { header: 'COMP/M', align: 'right', drop: 6, min: 6, max: 9, value: (b) => int(b.comp_rpm) },
    {
      header: 'LIMIT',
      align: 'right',
      drop: 8,
      min: 5,
      max: 8,
      value: (b) => (b.rpm_limit === null ? '∞' : int(b.rpm_limit)),
    },
    {
      header: 'KV%',
      align: 'right',
      drop: 6,
      min: 4,
      max: 6,
      value: (b) => (hasMetrics(b) ? b.gpu_cache.toFixed(0) : NONE),
      tone: (b) => (!hasMetrics(b) ? null : b.gpu_cache >= 90 ? 'bad' : b.gpu_cache >= 70 ? 'warn' : null),
    },
    {
      // Prefix-cache hit rate over the last minute (vLLM counters, SGLang gauge): what cache-aware buys.
      header: 'HIT%',
      align: 'right',
      drop: 6,
      min: 4,
      max: 6,
      value: (b) => (b.prefix_cache_hit_rate === null ? NONE : b.prefix_cache_hit_rate.toFixed(0)),
    },
    {
      header: mark('ttft', 'TTFT50'),
      align: 'right',
      drop: 0,
      min: 6,
      max: 9,
      value: (b) => ms(b.ttft_p50_ms),
    },
    {
      header: mark('errors', 'ERR'),
      align: 'right',
      drop: 3,
      min: 3,
      max: 7,
      value: (b) => int(errorCount(b)),
      tone: (b) => (errorCount(b) > 0 ? 'bad' : null),
    },
    {
      header: 'LAST ERROR',
      align: 'left',
      drop: 9,
      min: 10,
      max: 60,
      value: (b) => printable(b.last_error ?? ''),
      tone: () => 'dim',
    },
  ];
}

export const MODEL_COLUMNS: readonly Column<TopModel>[] = [
  { header: 'MODEL', align: 'left', drop: 0, min: 14, max: 32, value: (m) => printable(m.name) },
  {
    header: 'UP',
    align: 'right',
    drop: 0,
    min: 5,
    max: 9,
    value: (m) => `${m.healthy}/${m.total}`,
    tone: (m) => (m.healthy === m.total ? 'ok' : m.healthy === 0 ? 'bad' : 'warn'),
  },
  { header: 'RUN', align: 'right', drop: 4, min: 3, max: 7, value: (m) => int(m.running) },
  {
    header: 'WAIT',
    align: 'right',
    drop: 3,
    min: 4,
    max: 7,
    value: (m) => int(m.waiting),
    tone: (m) => (m.waiting > 0 ? 'warn' : null),
  },
  { header: 'COMP/M', align: 'right', drop: 5, min: 6, max: 9, value: (m) => int(m.comp_rpm) },
  { header: 'TTFT50', align: 'right', drop: 0, min: 6, max: 9, value: (m) => ms(m.ttft_p50_ms) },
  { header: 'TTFT99', align: 'right', drop: 2, min: 6, max: 9, value: (m) => ms(m.ttft_p99_ms) },
  { header: 'E2E50', align: 'right', drop: 1, min: 6, max: 9, value: (m) => ms(m.latency_p50_ms) },
  { header: 'E2E99', align: 'right', drop: 3, min: 6, max: 9, value: (m) => ms(m.latency_p99_ms) },
  { header: 'TOK/S', align: 'right', drop: 2, min: 5, max: 9, value: (m) => compact(m.output_tokens_per_s) },
  {
    header: 'ERR',
    align: 'right',
    drop: 2,
    min: 3,
    max: 7,
    value: (m) => int(errorCount(m)),
    tone: (m) => (errorCount(m) > 0 ? 'bad' : null),
  },
];

import type { PoolSnapshot } from '../pool/pool-snapshot.ts';
import type { StateView } from '../state/router-state.ts';
import {
  bold,
  fixed,
  formatCount,
  formatDuration,
  formatTime,
  type Line,
  MAX_URL,
  type Message,
  type Section,
  text,
} from './message.ts';
import { backendStats, modelHealth, type ReportBaseline, requestStats } from './report-stats.ts';

export interface ReportInput {
  readonly kind: 'startup' | 'periodic';
  readonly view: StateView;
  readonly snapshot: PoolSnapshot;
  readonly now: number;
  /** Start of the period (periodic) or of the process / config version (startup). */
  readonly since: number;
  readonly baseline: ReportBaseline | null;
}

/** Worst backends and models listed in a report; the rest are summed up in one line. */
const WORST_SHOWN = 8;
const MODELS_SHOWN = 40;

/**
 * The startup report (backends, healthy count, models, who is down) and the periodic status report
 * (requests since the last report: success rate, error kinds, p50/p99 latency and TTFT; per-model
 * healthy/total; the worst backends). One message each: long lists end in a summary line.
 */
export function reportMessage(input: ReportInput): Message {
  const { view, snapshot, now } = input;
  const models = modelHealth(view, snapshot);
  const healthy = models.reduce((sum, m) => sum + m.healthy, 0);
  const total = snapshot.backends.length;
  const backends = backendStats(view, snapshot, input.baseline);
  const sections: Section[] = [];
  const intro: Line[] = [];
  let title: string;
  if (input.kind === 'startup') {
    title = `llm-router started: ${healthy}/${total} backends healthy, ${models.length} models`;
    intro.push(
      line(
        `Backends: ${total} (${healthy} healthy, ${total - healthy} unhealthy) · models: ${models.length}`,
      ),
    );
  } else {
    const stats = requestStats(view, input.baseline);
    const rate = stats.successRate === null ? '' : `, ${percent(stats.successRate)} ok`;
    title = `llm-router report: ${healthy}/${total} healthy, ${formatCount(stats.requests)} requests${rate}`;
    intro.push(
      line(`Period: ${formatTime(input.since)} – ${formatTime(now)} (${formatDuration(now - input.since)})`),
    );
    sections.push(requestSection(stats));
  }
  sections.push(modelSection(models));
  const worst = backends.filter((b) => !b.healthy || b.failures > 0);
  if (worst.length > 0)
    sections.push({
      heading: input.kind === 'startup' ? `Unhealthy (${worst.length})` : 'Worst backends',
      maxLines: WORST_SHOWN,
      lines: worst.map((b) => ({
        runs: [
          bold(b.model),
          fixed(' '),
          text(b.apiBase, MAX_URL),
          fixed(
            ` — ${b.healthy ? 'healthy' : 'DOWN'} · ${formatCount(b.failures)} failed of ${formatCount(b.attempts)} attempts`,
          ),
          ...(b.lastError ? [fixed(' · last error: '), text(b.lastError)] : []),
        ],
        data: {
          backend: b.id,
          model: b.model,
          api_base: b.apiBase,
          healthy: b.healthy,
          attempts: b.attempts,
          failures: b.failures,
          last_error: b.lastError,
        },
      })),
      summarise: (omitted) => {
        const down = omitted.filter((l) => l.data?.healthy === false).length;
        return line(`…and ${omitted.length} more (${down} of them down)`, { omitted: omitted.length, down });
      },
    });
  return {
    kind: input.kind === 'startup' ? 'startup' : 'report',
    severity: 'info',
    icon: input.kind === 'startup' ? '🚀' : '📊',
    title,
    intro,
    sections,
    mention: false,
    maxParts: 1,
    at: now,
  };
}

function requestSection(stats: ReturnType<typeof requestStats>): Section {
  const ms = (value: number | null) => (value === null ? 'n/a' : formatMs(value));
  const lines = [
    line(
      `${formatCount(stats.requests)} requests · ${formatCount(stats.successes)} succeeded · ${formatCount(stats.failures)} failed${stats.successRate === null ? '' : ` · success rate ${percent(stats.successRate)}`}`,
      {
        requests: stats.requests,
        successes: stats.successes,
        failures: stats.failures,
        success_rate: stats.successRate,
      },
    ),
    line(`latency p50 ${ms(stats.latencyP50Ms)} · p99 ${ms(stats.latencyP99Ms)}`, {
      latency_p50_ms: stats.latencyP50Ms,
      latency_p99_ms: stats.latencyP99Ms,
    }),
    line(`TTFT p50 ${ms(stats.ttftP50Ms)} · p99 ${ms(stats.ttftP99Ms)}`, {
      ttft_p50_ms: stats.ttftP50Ms,
      ttft_p99_ms: stats.ttftP99Ms,
    }),
    ...stats.errorKinds
      .slice(0, 4)
      .map((e) => line(`${e.kind}: ${formatCount(e.count)}`, { error_kind: e.kind, count: e.count })),
  ];
  return {
    heading: 'Requests since the last report',
    lines,
    summarise: (omitted) => line(`…${omitted.length} more figures omitted`, { omitted: omitted.length }),
  };
}

function modelSection(models: ReturnType<typeof modelHealth>): Section {
  return {
    heading: `Models (${models.length})`,
    maxLines: MODELS_SHOWN,
    lines: models.map((m) => ({
      runs: [bold(m.model), fixed(`: ${m.healthy}/${m.total} healthy`)],
      data: { model: m.model, healthy: m.healthy, total: m.total },
    })),
    summarise: (omitted) => {
      let healthy = 0;
      let total = 0;
      for (const l of omitted) {
        healthy += Number(l.data?.healthy ?? 0);
        total += Number(l.data?.total ?? 0);
      }
      return line(`…and ${omitted.length} more models: ${healthy}/${total} backends healthy`, {
        omitted: omitted.length,
        healthy,
        total,
      });
    },
  };
}

/** A line of the router's own wording (figures, labels). */
function line(value: string, data?: Line['data']): Line {
  return data === undefined ? { runs: [fixed(value)] } : { runs: [fixed(value)], data };
}

function percent(value: number): string {
  return `${(Math.floor(value * 10) / 10).toFixed(1)} %`;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

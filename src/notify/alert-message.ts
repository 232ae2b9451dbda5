import type { BackendChange } from './health-batch.ts';
import {
  bold,
  countsByGroup,
  fixed,
  formatCount,
  formatDuration,
  formatTime,
  type Line,
  MAX_URL,
  type Message,
  type Run,
  type Section,
  text,
} from './message.ts';
import type { ConfigRejection, DueWork } from './notifier-machine.ts';

/** Enough to name every backend of a large outage in most channels, few enough not to flood one. */
const ALERT_MAX_PARTS = 5;

/**
 * One batch of health changes and rejected config files as one notification: backends down (and down
 * again after a brief recovery), recovered, briefly out, files rejected. Lines are sorted by model, then
 * backend, so a split message reads in order.
 */
export function alertMessage(work: Pick<DueWork, 'changes' | 'configs' | 'untracked'>, now: number): Message {
  const byKind = (...kinds: BackendChange['kind'][]) =>
    work.changes
      .filter((change) => kinds.includes(change.kind))
      .sort((a, b) => a.model.localeCompare(b.model) || a.id.localeCompare(b.id));
  const down = byKind('down', 'relapsed');
  const recovered = byKind('recovered');
  const blips = byKind('blip');
  const sections: Section[] = [];
  if (down.length > 0) sections.push(backendSection(`Down (${down.length})`, down, downLine, 'down'));
  if (recovered.length > 0)
    sections.push(backendSection(`Recovered (${recovered.length})`, recovered, recoveredLine, 'recovered'));
  if (blips.length > 0)
    sections.push(backendSection(`Down briefly, back up (${blips.length})`, blips, blipLine, 'down briefly'));
  if (work.configs.length > 0) sections.push(configSection(work.configs));

  const parts = [
    down.length > 0 ? `${down.length} down` : '',
    recovered.length > 0 ? `${recovered.length} recovered` : '',
    blips.length > 0 ? `${blips.length} down briefly` : '',
    work.configs.length > 0
      ? `${work.configs.length} config file${work.configs.length > 1 ? 's' : ''} rejected`
      : '',
  ].filter(Boolean);
  const alarming = down.length > 0 || work.configs.length > 0;
  const severity = alarming ? 'critical' : blips.length > 0 ? 'warning' : 'ok';
  const intro: Line[] =
    work.untracked > 0
      ? [
          {
            runs: [fixed(`${formatCount(work.untracked)} further health changes could not be tracked`)],
            data: { event: 'untracked', count: work.untracked },
          },
        ]
      : [];
  return {
    kind: 'alert',
    severity,
    icon: severity === 'critical' ? '🔴' : severity === 'warning' ? '🟠' : '🟢',
    title: `llm-router: ${parts.join(', ') || 'health changes'}`,
    intro,
    sections,
    mention: alarming,
    maxParts: ALERT_MAX_PARTS,
    at: now,
  };
}

function backendSection(
  heading: string,
  changes: readonly BackendChange[],
  line: (change: BackendChange) => Line,
  what: string,
): Section {
  return {
    heading,
    lines: changes.map(line),
    summarise: (omitted) => {
      const models = omitted.map((l) => String(l.data?.model ?? ''));
      return {
        runs: [text(`…and ${omitted.length} more ${what}: ${countsByGroup(models, 'models')}`, 1000)],
        data: { event: 'omitted', what, count: omitted.length, models: countMap(models) },
      };
    },
  };
}

/** The start every backend line shares: model and `api_base` (and the id, model, URL as data). */
function backendLine(change: BackendChange, runs: Run[], data: Line['data']): Line {
  return {
    runs: [bold(change.model), fixed(' '), text(change.apiBase, MAX_URL), ...runs],
    data: { event: change.kind, backend: change.id, model: change.model, api_base: change.apiBase, ...data },
  };
}

function downLine(change: BackendChange): Line {
  const since = change.downAt ?? change.firstAt;
  const relapse =
    change.kind === 'relapsed' && change.upAt !== null ? ` · was back at ${formatTime(change.upAt)}` : '';
  return backendLine(
    change,
    [
      fixed(' — '),
      text(change.reason),
      fixed(` · since ${formatTime(since)} (${change.cause})${relapse}${flaps(change)}`),
    ],
    {
      reason: change.reason,
      cause: change.cause,
      since: new Date(since).toISOString(),
      transitions: change.transitions,
    },
  );
}

function recoveredLine(change: BackendChange): Line {
  const upAt = change.upAt ?? change.firstAt;
  const downFor = change.downSince === null ? '' : ` after ${formatDuration(upAt - change.downSince)}`;
  return backendLine(change, [fixed(` — back at ${formatTime(upAt)}${downFor}${flaps(change)}`)], {
    at: new Date(upAt).toISOString(),
    down_since: change.downSince === null ? null : new Date(change.downSince).toISOString(),
    transitions: change.transitions,
  });
}

function blipLine(change: BackendChange): Line {
  const downAt = change.downAt ?? change.firstAt;
  const upAt = change.upAt ?? downAt;
  return backendLine(
    change,
    [
      fixed(' — '),
      text(change.reason),
      fixed(` · down ${formatTime(downAt)} (${change.cause}), back ${formatTime(upAt)}${flaps(change)}`),
    ],
    {
      reason: change.reason,
      cause: change.cause,
      down_at: new Date(downAt).toISOString(),
      up_at: new Date(upAt).toISOString(),
      transitions: change.transitions,
    },
  );
}

function configSection(configs: readonly ConfigRejection[]): Section {
  return {
    heading: `Config rejected, previous version still running (${configs.length})`,
    lines: configs.map((config) => ({
      runs: [
        bold(config.file, MAX_URL),
        fixed(' — '),
        text(config.message, 600),
        fixed(` · ${formatTime(config.at)}${config.count > 1 ? ` (reported ${config.count}×)` : ''}`),
      ],
      data: {
        event: 'config-rejected',
        file: config.file,
        message: config.message,
        at: new Date(config.at).toISOString(),
        count: config.count,
      },
    })),
    summarise: (omitted) => ({
      runs: [fixed(`…and ${omitted.length} more rejected files`)],
      data: { event: 'omitted', what: 'config-rejected', count: omitted.length },
    }),
  };
}

function flaps(change: BackendChange): string {
  return change.transitions > 2 ? ` · ${change.transitions} changes in this window` : '';
}

function countMap(groups: readonly string[]): Record<string, number> {
  // No prototype: a model may be named `constructor` or `__proto__`.
  const out: Record<string, number> = Object.create(null);
  for (const group of groups) out[group] = (out[group] ?? 0) + 1;
  return out;
}

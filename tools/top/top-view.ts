import { printable } from './text-cells.ts';
import type { TopBackend } from './top-data.ts';

/** The sort orders `s` cycles through; numbers sort largest first, status worst first. */
export const SORTS = ['config', 'status', 'conns', 'waiting', 'send', 'ttft', 'errors'] as const;
export type SortKey = (typeof SORTS)[number];

/** What the operator chose to see; changed only by keys. */
export interface TopView {
  readonly sort: SortKey;
  readonly filter: string;
  /** `/` was pressed: keys edit the filter until Enter (keep) or Escape (clear). */
  readonly editing: boolean;
  readonly showModels: boolean;
}

export const INITIAL_VIEW: TopView = { sort: 'config', filter: '', editing: false, showModels: true };

/** A key as node:readline's keypress event describes it. */
export interface Key {
  readonly name?: string;
  readonly sequence?: string;
  readonly ctrl?: boolean;
  readonly meta?: boolean;
}

/** The view after a key, or 'quit'. */
export function applyKey(view: TopView, key: Key): TopView | 'quit' {
  if (key.ctrl && key.name === 'c') return 'quit';
  if (view.editing) {
    switch (key.name) {
      case 'return':
      case 'enter':
        return { ...view, editing: false };
      case 'escape':
        return { ...view, editing: false, filter: '' };
      case 'backspace':
        return { ...view, filter: [...view.filter].slice(0, -1).join('') };
    }
    const typed = key.sequence ?? '';
    // Printable input only: arrows and function keys arrive as escape sequences.
    if (key.ctrl || key.meta || typed.length === 0 || printable(typed) !== typed) return view;
    return { ...view, filter: view.filter + typed };
  }
  switch (key.name) {
    case 'q':
      return 'quit';
    case 's':
      return { ...view, sort: SORTS[(SORTS.indexOf(view.sort) + 1) % SORTS.length]! };
    case 'm':
      return { ...view, showModels: !view.showModels };
    case 'escape':
      return { ...view, filter: '' };
  }
  if (key.sequence === '/') return { ...view, editing: true };
  return view;
}

export type Tone = 'ok' | 'bad' | 'warn' | 'dim';

export interface BackendStatus {
  readonly label: string;
  readonly tone: Tone;
  /** Worst first when sorting by status. */
  readonly rank: number;
}

export function statusOf(b: TopBackend): BackendStatus {
  if (b.ejected) return { label: 'ejected', tone: 'bad', rank: 0 };
  if (!b.healthy && !b.probed) return { label: 'probing', tone: 'dim', rank: 2 };
  if (!b.healthy) return { label: 'down', tone: 'bad', rank: 1 };
  if (b.rate_limited_until) return { label: 'limited', tone: 'warn', rank: 3 };
  return { label: 'up', tone: 'ok', rank: 4 };
}

/** Attempts that went wrong at the backend in the window (client 4xx are the client's). */
export function errorCount(b: { readonly errors: Readonly<Record<string, number>> }): number {
  let total = 0;
  for (const [kind, n] of Object.entries(b.errors)) if (kind !== 'client_error') total += n;
  return total;
}

/** The backends the filter keeps, in the chosen order. */
export function visibleBackends(backends: readonly TopBackend[], view: TopView): TopBackend[] {
  const terms = view.filter.toLowerCase().split(/\s+/).filter(Boolean);
  const kept = backends.filter((b) => {
    if (terms.length === 0) return true;
    const haystack =
      `${b.id} ${b.model_name} ${b.api_base ?? ''} ${b.engine} ${statusOf(b).label}`.toLowerCase();
    return terms.every((term) => haystack.includes(term));
  });
  const by = sortValue(view.sort);
  if (by === null) return kept;
  // Stable: equal values keep config order.
  return kept
    .map((b, i) => ({ b, i, v: by(b) }))
    .sort((x, y) => x.v - y.v || x.i - y.i)
    .map(({ b }) => b);
}

/** Ascending key per sort (negated where largest comes first); null keeps config order. */
function sortValue(sort: SortKey): ((b: TopBackend) => number) | null {
  switch (sort) {
    case 'config':
      return null;
    case 'status':
      return (b) => statusOf(b).rank;
    case 'conns':
      return (b) => -b.connections;
    case 'waiting':
      return (b) => -b.waiting;
    case 'send':
      return (b) => -b.send_rpm;
    case 'ttft':
      return (b) => -(b.ttft_p50_ms ?? Number.NEGATIVE_INFINITY);
    case 'errors':
      return (b) => -errorCount(b);
  }
}

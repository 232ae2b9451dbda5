import type { HealthNotice } from './notice.ts';
import type { NotifyTimings } from './notify-settings.ts';

/**
 * What a batched backend line says, judged against what the channel was last told:
 * - down: it went down (and the channel thinks it is up);
 * - recovered: it is back after the channel was told it was down;
 * - blip: it went down and came back before any message said so (a brief outage, still worth telling);
 * - relapsed: the channel was told it was down, it came back briefly and is down again.
 */
export type ChangeKind = 'down' | 'recovered' | 'blip' | 'relapsed';

/** One backend's health changes not yet in a message. */
export interface PendingChange {
  readonly id: string;
  readonly model: string;
  readonly apiBase: string;
  /** When the first of these changes happened: the batch window starts here. */
  readonly firstAt: number;
  readonly healthy: boolean;
  readonly sawDown: boolean;
  readonly sawUp: boolean;
  readonly transitions: number;
  /** Latest down / up transition times (ms), or null. */
  readonly downAt: number | null;
  readonly upAt: number | null;
  /** Why it went down last (or the latest reason when it never did). */
  readonly reason: string;
  readonly cause: 'probe' | 'traffic';
}

/** What the channel was told about a backend, and when it was last alerted (the cooldown's start). */
export interface AlertedState {
  readonly down: boolean;
  /** When the outage the channel knows of began. */
  readonly since: number;
  readonly alertAt: number;
}

export interface BackendChange extends PendingChange {
  readonly kind: ChangeKind;
  /** For `recovered`: since when the channel was told it was down. */
  readonly downSince: number | null;
}

/** Plain JSON (the notifier object's storage). */
export interface HealthBatchSnapshot {
  readonly pending: readonly PendingChange[];
  readonly alerted: readonly (readonly [string, AlertedState])[];
  readonly overflow: number;
}

/** More distinct backends changing at once than any fleet has; beyond it changes are counted, not kept. */
const MAX_PENDING = 10_000;

/**
 * Health changes batched per backend over `batch_interval`, with a per-backend cooldown that defers
 * (never drops) a repeat alert. Recoveries wait for the batch only. A backend the channel was never told
 * was down gets no "recovered" line: after a restart, nothing is known to be down, so nothing recovers.
 */
export class HealthBatch {
  readonly #pending = new Map<string, PendingChange>();
  readonly #alerted = new Map<string, AlertedState>();
  #overflow = 0;

  constructor(saved?: HealthBatchSnapshot) {
    if (!saved) return;
    for (const change of saved.pending) this.#pending.set(change.id, change);
    for (const [id, state] of saved.alerted) this.#alerted.set(id, state);
    this.#overflow = saved.overflow;
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Returns whether the change is news to the channel (false: e.g. "up" for a backend never said down). */
  offer(notice: HealthNotice): boolean {
    const previous = this.#pending.get(notice.id);
    if (!previous && this.#pending.size >= MAX_PENDING) {
      this.#overflow++;
      return true;
    }
    const down = !notice.healthy;
    const change: PendingChange = {
      id: notice.id,
      model: notice.model,
      apiBase: notice.apiBase,
      firstAt: previous?.firstAt ?? notice.at,
      healthy: notice.healthy,
      sawDown: (previous?.sawDown ?? false) || down,
      sawUp: (previous?.sawUp ?? false) || !down,
      transitions: (previous?.transitions ?? 0) + 1,
      downAt: down ? notice.at : (previous?.downAt ?? null),
      upAt: down ? (previous?.upAt ?? null) : notice.at,
      reason: down || !previous?.sawDown ? notice.reason : previous.reason,
      cause: down || !previous?.sawDown ? notice.cause : previous.cause,
    };
    if (this.#kindOf(change) === null) {
      this.#pending.delete(notice.id);
      return previous !== undefined;
    }
    this.#pending.set(notice.id, change);
    return true;
  }

  /** When the earliest pending change may be sent (Infinity when none). */
  nextDueAt(timings: NotifyTimings): number {
    let next = Number.POSITIVE_INFINITY;
    for (const change of this.#pending.values()) {
      const kind = this.#kindOf(change);
      if (kind === null) continue;
      next = Math.min(
        next,
        Math.max(change.firstAt + timings.batchMs, this.#eligibleAt(change, kind, timings)),
      );
    }
    return next;
  }

  /**
   * Every change that may be sent at `now` (its cooldown over), the ones whose window has not ended yet
   * included: they join the message going out anyway. The channel's view is updated as if sent.
   */
  take(now: number, timings: NotifyTimings): BackendChange[] {
    const out: BackendChange[] = [];
    for (const change of this.#pending.values()) {
      const kind = this.#kindOf(change);
      if (kind === null) {
        this.#pending.delete(change.id);
        continue;
      }
      if (this.#eligibleAt(change, kind, timings) > now) continue;
      this.#pending.delete(change.id);
      const told = this.#alerted.get(change.id);
      out.push({ ...change, kind, downSince: kind === 'recovered' ? (told?.since ?? null) : null });
      this.#alerted.set(change.id, toldAfter(change, kind, told, now));
    }
    return out;
  }

  /** Health changes that could not be tracked since the last call (MAX_PENDING). */
  takeOverflow(): number {
    const overflow = this.#overflow;
    this.#overflow = 0;
    return overflow;
  }

  /** Drop what is kept about backends no longer configured. */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.#alerted.keys()) if (!ids.has(id)) this.#alerted.delete(id);
    for (const id of this.#pending.keys()) if (!ids.has(id)) this.#pending.delete(id);
  }

  clear(): void {
    this.#pending.clear();
    this.#overflow = 0;
  }

  snapshot(): HealthBatchSnapshot {
    return { pending: [...this.#pending.values()], alerted: [...this.#alerted], overflow: this.#overflow };
  }

  #kindOf(change: PendingChange): ChangeKind | null {
    const toldDown = this.#alerted.get(change.id)?.down ?? false;
    if (!change.healthy) return toldDown ? (change.sawUp ? 'relapsed' : null) : 'down';
    return toldDown ? 'recovered' : change.sawDown ? 'blip' : null;
  }

  /** Alerts (not recoveries) wait out the backend's cooldown since its last alert. */
  #eligibleAt(change: PendingChange, kind: ChangeKind, timings: NotifyTimings): number {
    if (kind === 'recovered') return Number.NEGATIVE_INFINITY;
    const alertAt = this.#alerted.get(change.id)?.alertAt;
    return alertAt === undefined ? Number.NEGATIVE_INFINITY : alertAt + timings.cooldownMs;
  }
}

function toldAfter(
  change: PendingChange,
  kind: ChangeKind,
  told: AlertedState | undefined,
  now: number,
): AlertedState {
  switch (kind) {
    case 'down':
    case 'relapsed':
      return { down: true, since: change.downAt ?? now, alertAt: now };
    case 'recovered':
      return { down: false, since: 0, alertAt: told?.alertAt ?? now };
    case 'blip':
      return { down: false, since: 0, alertAt: now };
  }
}

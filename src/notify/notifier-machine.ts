import { type BackendChange, HealthBatch, type HealthBatchSnapshot } from './health-batch.ts';
import type { Notice } from './notice.ts';
import type { NotifyTimings } from './notify-settings.ts';
import type { ReportBaseline } from './report-stats.ts';

/** A config file rejected since the last message (the latest problem; how often it was reported). */
export interface ConfigRejection {
  readonly file: string;
  readonly message: string;
  readonly firstAt: number;
  readonly at: number;
  readonly count: number;
}

export interface DueReport {
  /** `baseline`: nothing to send, only record the counters the first periodic report starts from. */
  readonly kind: 'startup' | 'periodic' | 'baseline';
  /** Start of the period the report covers (the previous report, or the startup). */
  readonly since: number;
  readonly baseline: ReportBaseline | null;
  /** Startup only: the wait for every backend's first probe is over, send whatever is known. */
  readonly waitOver: boolean;
}

/** What is due at one instant: an alert batch (changes, rejected files) and/or a report. */
export interface DueWork {
  readonly changes: readonly BackendChange[];
  readonly configs: readonly ConfigRejection[];
  /** Health changes that could not be tracked (far more backends than any fleet). */
  readonly untracked: number;
  readonly report: DueReport | null;
}

interface Schedule {
  lastReportAt: number | null;
  /** The first health change since the last report: reports come every report_interval_active then. */
  changedAt: number | null;
  startup: { readonly version: string; readonly since: number; checkAt: number } | null;
  /** The config version whose startup report was sent. */
  announced: string | null;
  baseline: ReportBaseline | null;
}

/** Everything the notifier decides by, as plain JSON (the notifier object persists it). */
export interface NotifierSnapshot {
  readonly health: HealthBatchSnapshot;
  readonly configs: readonly ConfigRejection[];
  readonly schedule: Schedule;
}

/** While the startup report waits for first probe results, it looks again this often. */
const STARTUP_RECHECK_MS = 2000;
const MAX_CONFIG_FILES = 1000;

/**
 * The notifier's decisions as a pure state machine on injected time: health changes and rejected config
 * files batched into alerts (health-batch.ts), the startup report once per config version, and periodic
 * reports every `report_interval_active` after a health change, else every `report_interval_idle`.
 * `takeDue` is synchronous, so a scheduler that asks again at once never gets the same work twice.
 */
export class NotifierMachine {
  readonly #health: HealthBatch;
  readonly #configs = new Map<string, ConfigRejection>();
  readonly #schedule: Schedule;

  constructor(saved?: NotifierSnapshot) {
    this.#health = new HealthBatch(saved?.health);
    for (const config of saved?.configs ?? []) this.#configs.set(config.file, config);
    this.#schedule = saved
      ? { ...saved.schedule }
      : { lastReportAt: null, changedAt: null, startup: null, announced: null, baseline: null };
  }

  offer(notice: Notice): void {
    const schedule = this.#schedule;
    switch (notice.kind) {
      case 'health':
        if (this.#health.offer(notice)) schedule.changedAt ??= notice.at;
        return;
      case 'config-rejected': {
        const previous = this.#configs.get(notice.file);
        if (!previous && this.#configs.size >= MAX_CONFIG_FILES) return;
        this.#configs.set(notice.file, {
          file: notice.file,
          message: notice.message,
          firstAt: previous?.firstAt ?? notice.at,
          at: notice.at,
          count: (previous?.count ?? 0) + 1,
        });
        return;
      }
      case 'started':
        if (notice.version === schedule.announced || notice.version === schedule.startup?.version) return;
        schedule.startup = { version: notice.version, since: notice.at, checkAt: notice.at };
        return;
    }
  }

  /** When `takeDue` next has work (ms since epoch; -Infinity: now, Infinity: nothing planned). */
  nextDueAt(timings: NotifyTimings): number {
    let next = this.#health.nextDueAt(timings);
    for (const config of this.#configs.values()) next = Math.min(next, config.firstAt + timings.batchMs);
    const { startup } = this.#schedule;
    return Math.min(next, startup ? startup.checkAt : this.#periodicAt(timings));
  }

  /** Take what is due at `now`, or null. Alerts taken here count as told; reports as started. */
  takeDue(now: number, timings: NotifyTimings): DueWork | null {
    let changes: BackendChange[] = [];
    let configs: ConfigRejection[] = [];
    let alertDue = this.#health.nextDueAt(timings);
    for (const config of this.#configs.values())
      alertDue = Math.min(alertDue, config.firstAt + timings.batchMs);
    if (alertDue <= now) {
      changes = this.#health.take(now, timings);
      configs = [...this.#configs.values()];
      this.#configs.clear();
    }
    const report = this.#takeReport(now, timings);
    const untracked = this.#health.takeOverflow();
    if (changes.length === 0 && configs.length === 0 && report === null && untracked === 0) return null;
    return { changes, configs, untracked, report };
  }

  /** The startup report went out: announce this version once, count the next period from now. */
  startupSent(now: number, baseline: ReportBaseline): void {
    const schedule = this.#schedule;
    schedule.announced = schedule.startup?.version ?? schedule.announced;
    schedule.startup = null;
    schedule.lastReportAt = now;
    schedule.baseline = baseline;
  }

  /** A periodic report was built (or the first baseline taken): the next one counts from these counters. */
  periodicSent(baseline: ReportBaseline): void {
    this.#schedule.baseline = baseline;
  }

  /** Forget backends no longer configured. */
  retain(ids: ReadonlySet<string>): void {
    this.#health.retain(ids);
  }

  /** Webhooks were turned off: nothing pending is sent later (what the channels were told is kept). */
  clearPending(): void {
    this.#health.clear();
    this.#configs.clear();
  }

  snapshot(): NotifierSnapshot {
    const { startup } = this.#schedule;
    return {
      health: this.#health.snapshot(),
      configs: [...this.#configs.values()],
      schedule: { ...this.#schedule, startup: startup ? { ...startup } : null },
    };
  }

  #periodicAt(timings: NotifyTimings): number {
    const { lastReportAt, changedAt } = this.#schedule;
    // Unknown (a restarted notifier that already announced this config): start counting at once.
    if (lastReportAt === null) return Number.NEGATIVE_INFINITY;
    if (changedAt === null) return lastReportAt + timings.reportIdleMs;
    // After the alert the change caused, not before it.
    return Math.max(lastReportAt + timings.reportActiveMs, changedAt + timings.batchMs);
  }

  #takeReport(now: number, timings: NotifyTimings): DueReport | null {
    const schedule = this.#schedule;
    const { startup } = schedule;
    if (startup) {
      if (startup.checkAt > now) return null;
      startup.checkAt = now + STARTUP_RECHECK_MS;
      return {
        kind: 'startup',
        since: startup.since,
        baseline: null,
        waitOver: now >= startup.since + timings.startupWaitMs,
      };
    }
    if (this.#periodicAt(timings) > now) return null;
    const since = schedule.lastReportAt;
    schedule.lastReportAt = now;
    schedule.changedAt = null;
    if (since === null) return { kind: 'baseline', since: now, baseline: null, waitOver: true };
    return { kind: 'periodic', since, baseline: schedule.baseline, waitOver: true };
  }
}

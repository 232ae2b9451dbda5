import type { MainConfig } from '../config/main-config-schema.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';

/** Periodic work a router does besides answering requests. */
export type BackgroundTask = 'health' | 'scrape' | 'history' | 'ejection-probes' | 'notify';

export interface BackgroundTasks {
  /** health_check.interval: one probe round. */
  health(): Promise<void>;
  /** monitor.collect_interval: one engine-metrics round. */
  scrape(): Promise<void>;
  /** Once a second: one `/api/history` sample. */
  history(): Promise<void>;
  /** Backends passively ejected long enough ago (health_check.ejection_probe_delay) are probed alone. */
  ejectionProbes(now: number): Promise<void>;
  /** When the next ejection probe falls due (ms since epoch), or Infinity. */
  nextEjectionProbeAt(): number;
  /** Webhook batches and reports that fell due (the notifier's own schedule). */
  notify(now: number): Promise<void>;
  nextNotifyAt(): number;
  /** Resolves when notices handed over so far are delivered (or forwarded, on Workers). */
  noticesSettled(): Promise<void>;
}

/** Which tasks a scheduler runs: on Workers the cron, the alarm and requests split them (worker.ts). */
export type TaskFilter = (task: BackgroundTask, periodMs: number) => boolean;

const HISTORY_PERIOD_MS = 1000;

function periodOf(task: BackgroundTask, config: MainConfig): number {
  switch (task) {
    case 'health':
      return config.health_check.interval * 1000;
    case 'scrape':
      return config.monitor.collect_interval * 1000;
    case 'history':
      return HISTORY_PERIOD_MS;
    case 'ejection-probes':
    case 'notify':
      return 0;
  }
}

export const BACKGROUND_TASKS: readonly BackgroundTask[] = [
  'health',
  'scrape',
  'history',
  'ejection-probes',
  'notify',
];

/**
 * The one entry for background work, whatever the runtime's timer: `runDue()` starts every task whose
 * period has passed since it last started (periods read from the live config each time, so a reload
 * applies at once), never overlapping a task with itself, and says when to call again. Node calls it
 * from a timer; the Worker from its Durable Object alarm and cron trigger.
 */
export class Background {
  readonly #tasks: BackgroundTasks;
  readonly #config: () => MainConfig;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #lastStart = new Map<BackgroundTask, number>();
  readonly #running = new Map<BackgroundTask, Promise<void>>();
  #wake: (() => void) | null = null;

  constructor(tasks: BackgroundTasks, config: () => MainConfig, clock: Clock, log: Logger) {
    this.#tasks = tasks;
    this.#config = config;
    this.#clock = clock;
    this.#log = log;
  }

  /**
   * Start what is due now among the tasks `filter` accepts (default: all) and return the time (ms since
   * epoch) the next of them falls due. A task still running is skipped; it counts as due again once done.
   */
  runDue(filter: TaskFilter = () => true): number {
    const now = this.#clock.now();
    const config = this.#config();
    let next = Number.POSITIVE_INFINITY;
    for (const task of BACKGROUND_TASKS) {
      const periodMs = periodOf(task, config);
      if (!filter(task, periodMs)) continue;
      const dueAt = this.#dueAt(task, periodMs);
      if (dueAt <= now && !this.#running.has(task)) {
        this.#start(task, now);
        next = Math.min(next, this.#dueAt(task, periodMs));
      } else {
        next = Math.min(next, Math.max(dueAt, now));
      }
    }
    return next;
  }

  /** Milliseconds from now until `time` (a value runDue returned), on the router's clock; 0 when past. */
  msUntil(time: number): number {
    return Math.max(0, time - this.#clock.now());
  }

  /** The task's period under the live config (0: it has its own due times). */
  periodMs(task: BackgroundTask): number {
    return periodOf(task, this.#config());
  }

  /** Start `task` now regardless of its period (a cron tick decides for itself what is due). */
  runNow(task: BackgroundTask): Promise<void> {
    return this.#running.get(task) ?? this.#start(task, this.#clock.now());
  }

  /** The scheduler's hook for work that fell due sooner than the time runDue last returned. */
  onWake(handler: (() => void) | null): void {
    this.#wake = handler;
  }

  wake(): void {
    this.#wake?.();
  }

  /**
   * Resolves when every task started so far has finished and the notices they raised are delivered (a
   * Worker alarm waits for its rounds, and for the health changes they found to reach the notifier).
   */
  async settled(): Promise<void> {
    await Promise.all(this.#running.values());
    await this.#tasks.noticesSettled();
  }

  #dueAt(task: BackgroundTask, periodMs: number): number {
    if (task === 'ejection-probes') return this.#tasks.nextEjectionProbeAt();
    if (task === 'notify') return this.#tasks.nextNotifyAt();
    const last = this.#lastStart.get(task);
    return last === undefined ? Number.NEGATIVE_INFINITY : last + periodMs;
  }

  #start(task: BackgroundTask, now: number): Promise<void> {
    this.#lastStart.set(task, now);
    const run = this.#run(task, now)
      .catch((error: unknown) => this.#log.error(`${task} round failed`, { error: String(error) }))
      .finally(() => this.#running.delete(task));
    this.#running.set(task, run);
    return run;
  }

  #run(task: BackgroundTask, now: number): Promise<void> {
    switch (task) {
      case 'health':
        return this.#tasks.health();
      case 'scrape':
        return this.#tasks.scrape();
      case 'history':
        return this.#tasks.history();
      case 'ejection-probes':
        return this.#tasks.ejectionProbes(now);
      case 'notify':
        return this.#tasks.notify(now);
    }
  }
}

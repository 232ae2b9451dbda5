import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';

export interface ConfigProblem {
  readonly file: string;
  readonly message: string;
  /** ISO time it was reported. */
  readonly at: string;
}

/** Config files that failed to load or validate: the previous version keeps running; the dashboard shows them. */
export class ConfigStatus {
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #onReport: (file: string, message: string, at: number) => void;
  readonly #problems = new Map<string, { message: string; at: number }>();

  /** `onReport` hears every rejection (the notifier). */
  constructor(
    clock: Clock,
    log: Logger,
    onReport: (file: string, message: string, at: number) => void = () => {},
  ) {
    this.#clock = clock;
    this.#log = log;
    this.#onReport = onReport;
  }

  report(file: string, message: string): void {
    const at = this.#clock.now();
    // Shown as a date: the wall clock, not the monotonic one schedules run on.
    this.#problems.set(file, { message, at: this.#clock.wallTime() });
    this.#log.error('config rejected, previous version keeps running', { file, error: message });
    this.#onReport(file, message, at);
  }

  clear(file: string): void {
    this.#problems.delete(file);
  }

  list(): ConfigProblem[] {
    return [...this.#problems].map(([file, problem]) => ({
      file,
      message: problem.message,
      at: new Date(problem.at).toISOString(),
    }));
  }
}

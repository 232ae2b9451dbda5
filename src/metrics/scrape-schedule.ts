/** After a 404 the engine has no metrics endpoint: ask again only after this long. */
export const ABSENT_BACKOFF_MS = 10 * 60_000;
/** Consecutive scrape errors back off exponentially from one period up to a minute. */
export const MAX_ERROR_BACKOFF_MS = 60_000;

/**
 * Per-backend "not before" times for scrapes; local to each router process (a scrape is only a hint).
 * Errors back off gradually, so one slow answer from a busy engine costs a period, not a minute of blind
 * routing, while a dead /metrics endpoint stops being hammered.
 */
export class ScrapeSchedule {
  readonly #notBefore = new Map<string, number>();
  readonly #errors = new Map<string, number>();

  due(id: string, now: number): boolean {
    return (this.#notBefore.get(id) ?? 0) <= now;
  }

  succeeded(id: string): void {
    this.#errors.delete(id);
    this.#notBefore.delete(id);
  }

  absent(id: string, now: number): void {
    this.#notBefore.set(id, now + ABSENT_BACKOFF_MS);
  }

  failed(id: string, now: number, periodMs: number): void {
    const errors = (this.#errors.get(id) ?? 0) + 1;
    this.#errors.set(id, errors);
    this.#notBefore.set(id, now + Math.min(MAX_ERROR_BACKOFF_MS, periodMs * 2 ** (errors - 1)));
  }
}

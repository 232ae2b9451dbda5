/** After a 404 the engine has no metrics endpoint: ask again only after this long. */
export const ABSENT_BACKOFF_MS = 10 * 60_000;
/** After an error (timeout, 5xx, reset) give the engine a minute before scraping again. */
export const ERROR_BACKOFF_MS = 60_000;

/** Per-backend "not before" times for scrapes; local to each router process (a scrape is only a hint). */
export class ScrapeSchedule {
  readonly #notBefore = new Map<string, number>();

  due(id: string, now: number): boolean {
    return (this.#notBefore.get(id) ?? 0) <= now;
  }

  backOff(id: string, now: number, ms: number): void {
    this.#notBefore.set(id, now + ms);
  }

  clear(id: string): void {
    this.#notBefore.delete(id);
  }
}

import type { TopData } from './top-data.ts';

/**
 * Client requests per second: the growth of the router's request total between two polls. Before the
 * second poll (and for a one-shot snapshot) it is estimated from the attempts sent in the last minute.
 */
export class RequestRate {
  #last: { total: number; at: number } | null = null;
  #rate = 0;

  update(data: TopData, at: number): number {
    const total = data.requests.total;
    const last = this.#last;
    if (last === null || total < last.total) {
      // First poll, or the router restarted (its total went back): the send RPM is all there is.
      this.#rate = estimate(data);
    } else if (at > last.at) {
      this.#rate = ((total - last.total) * 1000) / (at - last.at);
    }
    this.#last = { total, at };
    return this.#rate;
  }
}

/** Attempts sent over the last 60 s, per second (retries count too). */
export function estimate(data: TopData): number {
  return data.backends.reduce((sum, b) => sum + b.send_rpm, 0) / 60;
}

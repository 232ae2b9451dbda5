import type { Random } from '../../src/index.ts';
import type { Arrival } from './bench-config.ts';

/**
 * Arrival times (ms from the start) of an open-loop load at `rate` per second, ramped linearly from 0
 * over `rampMs`. Constant arrivals invert the ramp's cumulative count exactly; Poisson arrivals thin a
 * full-rate process (keep an arrival at t with probability rate(t) / rate), which is exact for a
 * time-varying Poisson process. `offsetMs` shifts one worker's constant stream against the others'.
 */
export class Arrivals {
  #index = 0;
  #time = 0;

  constructor(
    private readonly kind: Arrival,
    private readonly rate: number,
    private readonly rampMs: number,
    private readonly random: Random,
    private readonly offsetMs = 0,
  ) {
    this.#time = offsetMs;
  }

  /** The next arrival time in ms. */
  next(): number {
    return this.kind === 'constant' ? this.#constant() : this.#poisson();
  }

  #constant(): number {
    const k = this.#index++;
    const perMs = this.rate / 1000;
    const rampCount = (perMs * this.rampMs) / 2;
    const t =
      k < rampCount ? Math.sqrt((2 * this.rampMs * k) / perMs) : this.rampMs + (k - rampCount) / perMs;
    return this.offsetMs + t;
  }

  #poisson(): number {
    const meanMs = 1000 / this.rate;
    for (;;) {
      this.#time += -Math.log(1 - this.random()) * meanMs;
      if (this.#time >= this.rampMs || this.random() < this.#time / this.rampMs) return this.#time;
    }
  }
}

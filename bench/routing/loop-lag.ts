import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

/** Event-loop delay of one process over a phase, in ms. */
export interface LoopLag {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

const RESOLUTION_MS = 10;

/**
 * Samples the event-loop delay every 10 ms; `take()` returns the phase's figures and starts a new phase.
 * Node records the whole interval between two ticks (10 ms when idle), so the figures subtract it.
 */
export class LoopLagMonitor {
  readonly #histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });

  constructor() {
    this.#histogram.enable();
  }

  take(): LoopLag {
    const h = this.#histogram;
    const late = (ns: number): number => Math.max(0, ns / 1e6 - RESOLUTION_MS);
    const lag: LoopLag =
      h.count === 0
        ? { p50: 0, p99: 0, max: 0, mean: 0 }
        : { p50: late(h.percentile(50)), p99: late(h.percentile(99)), max: late(h.max), mean: late(h.mean) };
    h.reset();
    return lag;
  }

  stop(): void {
    this.#histogram.disable();
  }
}

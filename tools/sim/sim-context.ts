import type { SimEngine } from './sim-engine.ts';
import type { SimEventBus } from './sim-events.ts';
import type { SimOptions } from './sim-options.ts';
import type { SimCounters } from './sim-stats.ts';

/** State of one sim instance shared by the listener, the router of paths and the generation handlers. */
export interface SimContext {
  readonly options: SimOptions;
  readonly engine: SimEngine;
  readonly counters: SimCounters;
  readonly events: SimEventBus;
  /** Unix seconds at creation; the `_created` sample of counters. */
  readonly createdAt: number;
  /** `Date.now()` the flap phase counts from (reset whenever `flapPeriodMs` is set). */
  flapEpoch: number;
  /** True while `stop()` tears connections down: those closures are a crash, not client cancellations. */
  crashing: boolean;
  /** Monotonic id source for `chatcmpl-<n>` style ids. */
  nextId(): number;
}

import type { Random } from '../../src/index.ts';
import { Arrivals } from './arrivals.ts';
import type { LoadShape } from './bench-config.ts';
import { type InFlight, type RequestResult, type RequestTarget, sendLlmRequest } from './llm-request.ts';
import type { RequestSource } from './request-source.ts';

/** One process's share of one phase of load. Times in milliseconds. */
export interface LoadPlan {
  /** This process's share: its concurrency (closed) or rate (open). */
  readonly shape: LoadShape;
  /** Measured requests to start, or null for no count limit. */
  readonly requests: number | null;
  /** Measured time, or null for no time limit (then `requests` must be set). */
  readonly durationMs: number | null;
  readonly rampUpMs: number;
  /** Requests started in the first `warmupMs` are sent but not measured. */
  readonly warmupMs: number;
  /** Constant arrivals: where this process's stream starts, so several processes interleave evenly. */
  readonly arrivalOffsetMs: number;
}

export interface LoadOptions {
  readonly target: RequestTarget;
  readonly source: RequestSource;
  readonly plan: LoadPlan;
  readonly random: Random;
  /** Epoch milliseconds (shared across processes). */
  readonly now: () => number;
  /** Every finished request; `measured` is false for warm-up requests. Cancelled ones are not reported. */
  readonly onResult: (result: RequestResult, measured: boolean) => void;
}

/** Polling period of the closed loop's ramp (how often more slots open while it ramps up). */
const RAMP_TICK_MS = 20;

/**
 * Sends load for one phase: a closed loop (a fixed number in flight, each finished request replaced at
 * once) or an open loop (arrivals on a schedule, whatever happened to earlier requests, so a slow server
 * cannot throttle its own offered load). `run()` resolves when the phase is over and every request it
 * started has finished; `stop()` ends it early and cancels what is in flight.
 */
export class LoadGenerator {
  readonly #o: LoadOptions;
  readonly #inFlight = new Set<InFlight>();
  #startedAt = 0;
  #measuredStarted = 0;
  #stopped = false;
  #timer: NodeJS.Timeout | null = null;
  #drained: (() => void) | null = null;
  #peak = 0;

  constructor(options: LoadOptions) {
    this.#o = options;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Most requests in flight at once so far. */
  get peakInFlight(): number {
    return this.#peak;
  }

  /** When measurement starts (epoch ms): the end of the warm-up. */
  get measureFrom(): number {
    return this.#startedAt + this.#o.plan.warmupMs;
  }

  run(): Promise<void> {
    this.#startedAt = this.#o.now();
    const done = new Promise<void>((resolve) => {
      this.#drained = resolve;
    });
    if (this.#o.plan.shape.kind === 'closed') this.#closedTick();
    else this.#openLoop(this.#o.plan.shape.rate, this.#o.plan.shape.arrival);
    this.#checkDrained();
    return done;
  }

  /** Stop issuing and let the requests in flight finish; `run()` resolves once they have. */
  finish(): void {
    this.#stopIssuing();
    this.#checkDrained();
  }

  /** Stop issuing and cancel every request in flight (Ctrl-C); `run()` then resolves. */
  stop(): void {
    this.#stopIssuing();
    for (const request of this.#inFlight) request.cancel();
    this.#checkDrained();
  }

  #stopIssuing(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** False once the phase's time or request budget is spent (measured from the end of the warm-up). */
  #mayStart(at: number): boolean {
    if (this.#stopped) return false;
    const { requests, durationMs } = this.#o.plan;
    const measured = at >= this.measureFrom;
    if (measured && requests !== null && this.#measuredStarted >= requests) return false;
    if (durationMs !== null && at >= this.measureFrom + durationMs) return false;
    return true;
  }

  #start(at: number): void {
    const measured = at >= this.measureFrom;
    if (measured) this.#measuredStarted++;
    const request = sendLlmRequest(this.#o.target, this.#o.source.next(), this.#o.now);
    this.#inFlight.add(request);
    if (this.#inFlight.size > this.#peak) this.#peak = this.#inFlight.size;
    void request.done.then((result) => {
      this.#inFlight.delete(request);
      if (!result.cancelled) this.#o.onResult(result, measured);
      if (this.#o.plan.shape.kind === 'closed') this.#fillClosed();
      this.#checkDrained();
    });
  }

  /** Slots allowed now: the ramp opens them linearly. */
  #allowed(at: number): number {
    const { shape, rampUpMs } = this.#o.plan;
    const concurrency = shape.kind === 'closed' ? shape.concurrency : 0;
    const elapsed = at - this.#startedAt;
    if (rampUpMs <= 0 || elapsed >= rampUpMs) return concurrency;
    return Math.max(1, Math.ceil((concurrency * elapsed) / rampUpMs));
  }

  #fillClosed(): void {
    let at = this.#o.now();
    while (this.#inFlight.size < this.#allowed(at) && this.#mayStart(at)) {
      this.#start(at);
      at = this.#o.now();
    }
    if (!this.#mayStart(at)) this.#stopIssuing();
  }

  #closedTick(): void {
    this.#timer = null;
    this.#fillClosed();
    if (this.#stopped) {
      this.#checkDrained();
      return;
    }
    // Wake up while ramping (slots open with time) and at the end of the time budget.
    const { rampUpMs, durationMs } = this.#o.plan;
    const at = this.#o.now();
    const rampLeft = this.#startedAt + rampUpMs - at;
    const endIn = durationMs === null ? Number.POSITIVE_INFINITY : this.measureFrom + durationMs - at;
    const wait = Math.min(rampLeft > 0 ? RAMP_TICK_MS : Number.POSITIVE_INFINITY, endIn);
    if (Number.isFinite(wait)) this.#timer = setTimeout(() => this.#closedTick(), Math.max(0, wait) + 1);
  }

  #openLoop(rate: number, arrival: 'poisson' | 'constant'): void {
    const { rampUpMs, arrivalOffsetMs } = this.#o.plan;
    const arrivals = new Arrivals(arrival, rate, rampUpMs, this.#o.random, arrivalOffsetMs);
    let due = this.#startedAt + arrivals.next();
    const tick = (): void => {
      this.#timer = null;
      const at = this.#o.now();
      while (due <= at) {
        if (!this.#mayStart(due)) {
          this.#stopIssuing();
          this.#checkDrained();
          return;
        }
        this.#start(due);
        due = this.#startedAt + arrivals.next();
      }
      // Also wake at the end of the time budget, so a slow rate does not overrun the phase.
      const endAt =
        this.#o.plan.durationMs === null
          ? Number.POSITIVE_INFINITY
          : this.measureFrom + this.#o.plan.durationMs;
      if (!this.#mayStart(Math.min(due, endAt))) {
        this.#stopIssuing();
        this.#checkDrained();
        return;
      }
      this.#timer = setTimeout(tick, Math.max(0, Math.min(due, endAt) - at));
    };
    tick();
  }

  #checkDrained(): void {
    if (!this.#stopped || this.#inFlight.size > 0 || !this.#drained) return;
    const resolve = this.#drained;
    this.#drained = null;
    resolve();
  }
}

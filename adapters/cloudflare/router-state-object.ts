import { DurableObject } from 'cloudflare:workers';
import {
  type AcquireRequest,
  type AcquireResult,
  MemoryRouterState,
  type StateView,
} from '../../src/index.ts';
import type { WorkerEnv } from './env.ts';
import type { StateOp, StateOpResult } from './state-ops.ts';

/**
 * One shard of the router's live state (one object per model, plus a `global` one for requests that
 * never resolved a model). It holds the same MemoryRouterState the Node service uses and adds nothing but
 * transport: RPC in, the same method out. Calls to one object run one at a time, which is what makes the
 * RPM windows exact across every isolate and location.
 */
export class RouterStateObject extends DurableObject<WorkerEnv> {
  readonly #state = new MemoryRouterState(Math.random);
  readonly #callerClock: boolean;
  #calls = 0;

  constructor(ctx: DurableObjectState, env: WorkerEnv) {
    super(ctx, env);
    this.#callerClock = env.ROUTER_STATE_CLOCK === 'caller';
  }

  /**
   * Windows run on this object's clock, not the caller's: Worker isolates on different machines may
   * disagree by a few milliseconds, and one clock per window is what keeps the limit exact.
   */
  #now(callerNow: number): number {
    return this.#callerClock ? callerNow : Date.now();
  }

  acquire(request: AcquireRequest): AcquireResult {
    this.#calls++;
    return this.#state.acquire({ ...request, now: this.#now(request.now) });
  }

  view(now: number): StateView {
    this.#calls++;
    return this.#state.view(this.#now(now));
  }

  apply(ops: readonly StateOp[]): StateOpResult[] {
    this.#calls++;
    return ops.map((op) => this.#applyOne(op));
  }

  /** RPCs this object has answered since it started (the benchmark's round-trip count). */
  calls(): number {
    return this.#calls;
  }

  #applyOne(op: StateOp): StateOpResult {
    const state = this.#state;
    switch (op.op) {
      case 'register':
        state.register(op.model, op.entries);
        return null;
      case 'retire':
        state.retire(op.model, op.ids);
        return null;
      case 'firstByte':
        state.firstByte(op.model, op.id);
        return null;
      case 'release':
        return state.release({ ...op.report, now: this.#now(op.report.now) });
      case 'applyProbe':
        return state.applyProbe({ ...op.report, now: this.#now(op.report.now) });
      case 'applyLoad':
        state.applyLoad(op.model, op.id, op.load, this.#now(op.now));
        return null;
      case 'recordRequest':
        state.recordRequest(op.record);
        return null;
    }
  }
}

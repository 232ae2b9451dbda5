import { DurableObject } from 'cloudflare:workers';
import {
  type AcquireRequest,
  type AcquireResult,
  applyStateOp,
  MemoryRouterState,
  type StateOp,
  type StateOpResult,
  type StateView,
  systemClock,
} from '../../src/index.ts';
import type { WorkerEnv } from './env.ts';
import {
  PERSISTED_KEY,
  type PersistedBackend,
  persistedBackends,
  restorePersisted,
} from './persisted-health.ts';

/** Batches remembered for resends: far more than one shard sees during a resend's few seconds. */
const RECENT_BATCHES = 4096;

/**
 * One shard of the router's live state (one object per model, plus a `global` one for requests that
 * never resolved a model). It holds the same MemoryRouterState the Node service uses and adds nothing but
 * transport: RPC in, the same method out. Calls to one object run one at a time, which is what makes the
 * RPM windows exact across every isolate and location. A runtime may restart an object at any time while
 * the isolates that registered its backends live on, so registrations, health and 429 holds are also
 * written to the object's storage whenever they change (rare next to acquire/release) and read back
 * before the restarted object answers its first call.
 */
export class RouterStateObject extends DurableObject<WorkerEnv> {
  readonly #state = new MemoryRouterState(Math.random);
  readonly #callerClock: boolean;
  /** Registered backend id -> model: the backends whose health is persisted. */
  readonly #registered = new Map<string, string>();
  #calls = 0;
  /** Answers of the last RECENT_BATCHES batches, by batch id (RemoteRouterState resends a failed batch). */
  readonly #batches = new Map<string, StateOpResult[]>();

  constructor(ctx: DurableObjectState, env: WorkerEnv) {
    super(ctx, env);
    this.#callerClock = env.ROUTER_STATE_CLOCK === 'caller';
    void ctx.blockConcurrencyWhile(async () => {
      const saved = await ctx.storage.get<PersistedBackend[]>(PERSISTED_KEY);
      if (!saved) return;
      for (const backend of saved) this.#registered.set(backend.id, backend.model);
      restorePersisted(this.#state, saved, systemClock.now());
    });
  }

  /**
   * Windows run on this object's clock, not the caller's: Worker isolates on different machines may
   * disagree by a few milliseconds, and one clock per window is what keeps the limit exact.
   */
  #now(callerNow: number): number {
    return this.#callerClock ? callerNow : systemClock.now();
  }

  acquire(request: AcquireRequest): AcquireResult {
    this.#calls++;
    return this.#state.acquire({ ...request, now: this.#now(request.now) });
  }

  view(now: number): StateView {
    this.#calls++;
    return this.#state.view(this.#now(now));
  }

  apply(ops: readonly StateOp[], batch?: string): StateOpResult[] {
    this.#calls++;
    // A batch sent again because its answer was lost: answer it again, do not apply it twice.
    const done = batch === undefined ? undefined : this.#batches.get(batch);
    if (done) return done;
    let changed = false;
    const results = ops.map((op) => {
      const result = this.#applyOne(op);
      if (result !== null || changesPersisted(op)) changed = true;
      return result;
    });
    // Not awaited: the runtime holds this call's answer until the write is durable (output gate).
    if (changed)
      void this.ctx.storage.put(
        PERSISTED_KEY,
        persistedBackends(this.#state.view(systemClock.now()), this.#registered),
      );
    if (batch !== undefined) {
      this.#batches.set(batch, results);
      if (this.#batches.size > RECENT_BATCHES) this.#batches.delete(this.#batches.keys().next().value ?? '');
    }
    return results;
  }

  /** RPCs this object has answered since it started (the benchmark's round-trip count). */
  calls(): number {
    return this.#calls;
  }

  #applyOne(op: StateOp): StateOpResult {
    if (op.op === 'register') for (const entry of op.entries) this.#registered.set(entry.id, op.model);
    if (op.op === 'retire') for (const id of op.ids) this.#registered.delete(id);
    // MemoryRouterState answers synchronously.
    return applyStateOp(this.#state, op, (callerNow) => this.#now(callerNow)) as StateOpResult;
  }
}

/** Ops that change what is persisted even when they answer null (a health change answers a transition). */
function changesPersisted(op: StateOp): boolean {
  return (
    op.op === 'register' ||
    op.op === 'retire' ||
    (op.op === 'release' && op.report.outcome === 'rate-limited')
  );
}

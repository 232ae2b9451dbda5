import type {
  AcquireRequest,
  AcquireResult,
  AttemptReport,
  ClientRequestRecord,
  EngineLoad,
  FirstByteTiming,
  HealthTransition,
  ProbeReport,
  RouterState,
  StateView,
} from '../../src/index.ts';
import { mergeViews } from './merge-views.ts';
import { keepAlive } from './request-scope.ts';
import type { RouterStateObject } from './router-state-object.ts';
import { GLOBAL_SHARD, shardName } from './shard-name.ts';
import type { StateOp, StateOpResult } from './state-ops.ts';

interface Queued {
  readonly ops: StateOp[];
  readonly waiters: { resolve(result: StateOpResult): void; reject(error: unknown): void }[];
}

/**
 * RouterState for the Worker: every call goes to the Durable Object of the call's model, so a model's
 * backends share one exact set of windows and counters while models spread over many objects. Only
 * `acquire` and `view` are answered on the request path; everything else is queued per shard and sent
 * once per microtask turn, and handed to the causing request's `waitUntil` so the isolate lives until a
 * stream's release is recorded. Stubs are made per call: on Workers an I/O object (a stub too) belongs to
 * the request that created it and cannot be reused by the next one.
 */
export class DurableRouterState implements RouterState {
  readonly #namespace: DurableObjectNamespace<RouterStateObject>;
  readonly #models: () => readonly string[];
  readonly #ids = new Map<string, DurableObjectId>();
  readonly #queues = new Map<string, Queued>();

  /** `models`: the configured models, whose shards `view()` merges. */
  constructor(namespace: DurableObjectNamespace<RouterStateObject>, models: () => readonly string[]) {
    this.#namespace = namespace;
    this.#models = models;
  }

  register(model: string, entries: readonly { id: string; healthy: boolean }[]): Promise<void> {
    return this.#void(model, { op: 'register', model, entries });
  }

  retire(model: string, ids: readonly string[]): Promise<void> {
    return this.#void(model, { op: 'retire', model, ids });
  }

  async acquire(request: AcquireRequest): Promise<AcquireResult> {
    return (await this.#stub(request.model).acquire(request)) as AcquireResult;
  }

  firstByte(model: string, id: string, attempt?: FirstByteTiming): Promise<void> {
    return this.#void(model, { op: 'firstByte', model, id, ...(attempt ? { attempt } : {}) });
  }

  release(report: AttemptReport): Promise<HealthTransition | null> {
    return this.#enqueue(report.model, { op: 'release', report });
  }

  applyProbe(report: ProbeReport): Promise<HealthTransition | null> {
    return this.#enqueue(report.model, { op: 'applyProbe', report });
  }

  applyLoad(model: string, id: string, load: EngineLoad | null, now: number): Promise<void> {
    return this.#void(model, { op: 'applyLoad', model, id, load, now });
  }

  recordRequest(record: ClientRequestRecord): Promise<void> {
    return this.#void(record.model, { op: 'recordRequest', record });
  }

  async view(now: number): Promise<StateView> {
    const shards = new Set([GLOBAL_SHARD, ...this.#models().map(shardName)]);
    const views = await Promise.all(
      [...shards].map(async (name) => (await this.#stubNamed(name).view(now)) as StateView),
    );
    return mergeViews(views);
  }

  async #void(model: string, op: StateOp): Promise<void> {
    await this.#enqueue(model, op);
  }

  #enqueue(model: string, op: StateOp): Promise<StateOpResult> {
    const shard = shardName(model);
    let queued = this.#queues.get(shard);
    if (!queued) {
      const fresh: Queued = { ops: [], waiters: [] };
      this.#queues.set(shard, fresh);
      queueMicrotask(() => this.#flush(shard, fresh));
      queued = fresh;
    }
    const target = queued;
    return new Promise<StateOpResult>((resolve, reject) => {
      target.ops.push(op);
      target.waiters.push({ resolve, reject });
    });
  }

  #flush(shard: string, queued: Queued): void {
    this.#queues.delete(shard);
    const sent = this.#stubNamed(shard).apply(queued.ops);
    keepAlive(sent);
    sent.then(
      (results) => {
        for (const [i, waiter] of queued.waiters.entries())
          waiter.resolve((results[i] as StateOpResult | undefined) ?? null);
      },
      (error: unknown) => {
        for (const waiter of queued.waiters) waiter.reject(error);
      },
    );
  }

  #stub(model: string): DurableObjectStub<RouterStateObject> {
    return this.#stubNamed(shardName(model));
  }

  /** Ids are plain values and hashing a name costs, so they are cached; stubs are not (see above). */
  #stubNamed(name: string): DurableObjectStub<RouterStateObject> {
    let id = this.#ids.get(name);
    if (!id) {
      id = this.#namespace.idFromName(name);
      this.#ids.set(name, id);
    }
    return this.#namespace.get(id);
  }
}

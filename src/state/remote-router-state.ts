import { type Random, systemRandom } from '../core/random.ts';
import type { EngineLoad } from '../metrics/engine-load.ts';
import { mergeViews } from './merge-views.ts';
import type {
  AcquireRequest,
  AcquireResult,
  AttemptReport,
  BlameReport,
  ClientRequestRecord,
  FirstByteTiming,
  HealthTransition,
  ProbeReport,
  RouterState,
  StateView,
} from './router-state.ts';
import { GLOBAL_SHARD, shardName } from './shard-name.ts';
import type { StateOp, StateOpResult } from './state-ops.ts';

/**
 * How a remote state is reached: one shard per model (plus GLOBAL_SHARD), each owned by one place that
 * applies its calls in order (a Durable Object, the primary process, a Redis script). Three messages.
 */
export interface StateChannel {
  acquire(shard: string, request: AcquireRequest): Promise<AcquireResult>;
  view(shard: string, now: number): Promise<StateView>;
  /**
   * Apply `ops` in order. `batch` names this batch: a batch sent again (its answer was lost) must be
   * answered from memory, not applied twice.
   */
  apply(shard: string, ops: readonly StateOp[], batch: string): Promise<readonly StateOpResult[]>;
}

export interface RemoteRouterStateOptions {
  /** The configured models, whose shards `view()` merges (only the router's pool knows them). */
  readonly models: () => readonly string[];
  /** Called with every batch sent (the Worker keeps the causing request alive until it is answered). */
  readonly onSend?: (sent: Promise<unknown>) => void;
  /** Waits before sending a failed batch again (default 100, 400, 1600 ms); then its calls reject. */
  readonly retryDelaysMs?: readonly number[];
  readonly sleep?: (ms: number) => Promise<void>;
  /** Makes batch ids unique across isolates. */
  readonly random?: Random;
  /**
   * The longest a first-byte report waits for another call to ride with (default 200 ms): a
   * non-streamed answer's release follows its first byte at once, so both cost one message; a stream's
   * first byte goes out on its own after this.
   */
  readonly firstByteDelayMs?: number;
  /**
   * The whole state's view in one call, for an owner that keeps every shard in one place (the cluster
   * primary); default: one `view` per shard, merged.
   */
  readonly view?: (now: number) => Promise<StateView>;
}

const RETRY_DELAYS_MS = [100, 400, 1600];
const FIRST_BYTE_DELAY_MS = 200;

interface Queued {
  readonly ops: StateOp[];
  readonly waiters: { resolve(result: StateOpResult): void; reject(error: unknown): void }[];
  /** Sent at the end of this microtask turn (false: only lazy ops so far, sent by `timer`). */
  eager: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * RouterState over a StateChannel. Only `acquire` and `view` are answered on the request path; every
 * other call is queued per shard and sent once per microtask turn as one `apply`, so an attempt's
 * release and its client-request record cost one round trip together. A first-byte report is lazy: it
 * waits up to `firstByteDelayMs` for the next call to that shard, so a non-streamed request costs two
 * round trips (acquire; first byte, release and record), not three. A batch that fails is sent again
 * (same batch id, so the owner applies it once) after each of `retryDelaysMs`; what is still lost then
 * is bounded by the leases the attempts hold (AcquireRequest.leaseMs).
 */
export class RemoteRouterState implements RouterState {
  readonly #channel: StateChannel;
  readonly #options: RemoteRouterStateOptions;
  readonly #queues = new Map<string, Queued>();
  readonly #batchPrefix: string;
  #batches = 0;

  constructor(channel: StateChannel, options: RemoteRouterStateOptions) {
    this.#channel = channel;
    this.#options = options;
    this.#batchPrefix = Math.floor((options.random ?? systemRandom)() * 2 ** 48).toString(36);
  }

  register(model: string, entries: readonly { id: string; healthy: boolean }[]): Promise<void> {
    return this.#void(model, { op: 'register', model, entries });
  }

  retire(model: string, ids: readonly string[]): Promise<void> {
    return this.#void(model, { op: 'retire', model, ids });
  }

  acquire(request: AcquireRequest): Promise<AcquireResult> {
    return this.#channel.acquire(shardName(request.model), request);
  }

  firstByte(model: string, id: string, attempt?: FirstByteTiming): Promise<void> {
    return this.#void(model, { op: 'firstByte', model, id, ...(attempt ? { attempt } : {}) }, true);
  }

  renew(model: string, lease: string, leaseMs: number, now: number): Promise<void> {
    return this.#void(model, { op: 'renew', model, lease, leaseMs, now });
  }

  release(report: AttemptReport): Promise<HealthTransition | null> {
    return this.#enqueue(report.model, { op: 'release', report });
  }

  blame(report: BlameReport): Promise<HealthTransition | null> {
    return this.#enqueue(report.model, { op: 'blame', report });
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
    // What is queued goes first, so a view shows this router's own calls.
    for (const [shard, queued] of this.#queues) this.#flush(shard, queued);
    if (this.#options.view) return this.#options.view(now);
    const shards = new Set([GLOBAL_SHARD, ...this.#options.models().map(shardName)]);
    const views = await Promise.all([...shards].map((shard) => this.#channel.view(shard, now)));
    return mergeViews(views);
  }

  async #void(model: string | null, op: StateOp, lazy = false): Promise<void> {
    await this.#enqueue(model, op, lazy);
  }

  #enqueue(model: string | null, op: StateOp, lazy = false): Promise<StateOpResult> {
    const shard = shardName(model);
    let queued = this.#queues.get(shard);
    if (!queued) {
      queued = { ops: [], waiters: [], eager: false, timer: undefined };
      this.#queues.set(shard, queued);
    }
    const target = queued;
    if (!lazy && !target.eager) {
      target.eager = true;
      queueMicrotask(() => this.#flush(shard, target));
    } else if (lazy && !target.eager && target.timer === undefined) {
      target.timer = setTimeout(
        () => this.#flush(shard, target),
        this.#options.firstByteDelayMs ?? FIRST_BYTE_DELAY_MS,
      );
    }
    return new Promise<StateOpResult>((resolve, reject) => {
      target.ops.push(op);
      target.waiters.push({ resolve, reject });
    });
  }

  #flush(shard: string, queued: Queued): void {
    // Sent already (by the other of its microtask and timer, or by a view).
    if (this.#queues.get(shard) !== queued) return;
    this.#queues.delete(shard);
    if (queued.timer !== undefined) clearTimeout(queued.timer);
    const sent = this.#send(shard, queued.ops, `${this.#batchPrefix}.${++this.#batches}`);
    this.#options.onSend?.(sent);
    sent.then(
      (results) => {
        for (const [i, waiter] of queued.waiters.entries()) waiter.resolve(results[i] ?? null);
      },
      (error: unknown) => {
        for (const waiter of queued.waiters) waiter.reject(error);
      },
    );
  }

  async #send(shard: string, ops: readonly StateOp[], batch: string): Promise<readonly StateOpResult[]> {
    const delays = this.#options.retryDelaysMs ?? RETRY_DELAYS_MS;
    const sleep =
      this.#options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#channel.apply(shard, ops, batch);
      } catch (error) {
        const delay = delays[attempt];
        if (delay === undefined) throw error;
        await sleep(delay);
      }
    }
  }
}

import { AsyncLocalStorage } from 'node:async_hooks';

const current = new AsyncLocalStorage<RequestScope>();

/**
 * waitUntil keeps an invocation alive for at most 30 s after the response has been sent (for a stream:
 * after its last byte, or after the client left); give up a little earlier so a hung state call never
 * turns into a cancelled invocation that takes other bookkeeping with it.
 */
export const DEFAULT_LINGER_MS = 25_000;

/**
 * Keeps one request's invocation alive until its bookkeeping is recorded. The core releases an attempt
 * when the body ends, which on Workers is a Durable Object call made after the response was handed over;
 * once a client disconnects, a `waitUntil` registered only then is too late for it. So the scope
 * registers one `waitUntil` when the request starts, and settles it after the response is finished and
 * every state call made on the request's behalf (found through AsyncLocalStorage) has been answered.
 * The linger bound starts counting only when the response is finished: a stream may run for minutes,
 * and the release at its end is exactly the call this scope exists for.
 * Running on the request's own context matters for a second reason: a Worker's I/O objects (stubs too)
 * belong to the request that created them.
 */
export class RequestScope {
  readonly #pending = new Set<Promise<unknown>>();
  readonly #lingerMs: number;
  #responseDone = false;
  #linger: ReturnType<typeof setTimeout> | undefined;
  #resolve!: () => void;

  /** `lingerMs`: how long after the response ends pending state calls may still hold the invocation. */
  constructor(waitUntil: (promise: Promise<unknown>) => void, lingerMs = DEFAULT_LINGER_MS) {
    this.#lingerMs = lingerMs;
    waitUntil(
      new Promise<void>((resolve) => {
        this.#resolve = resolve;
      }),
    );
  }

  run<T>(fn: () => T): T {
    return current.run(this, fn);
  }

  keep(promise: Promise<unknown>): void {
    const tracked = promise.catch(() => {});
    this.#pending.add(tracked);
    void tracked.then(() => {
      this.#pending.delete(tracked);
      this.#check();
    });
  }

  /** The body was fully sent, failed or abandoned; calls it caused may still be queued a turn later. */
  responseDone(): void {
    if (this.#responseDone) return;
    this.#responseDone = true;
    setTimeout(() => this.#check(), 0);
    this.#linger = setTimeout(() => this.#settle(), this.#lingerMs);
  }

  #check(): void {
    if (this.#responseDone && this.#pending.size === 0) this.#settle();
  }

  #settle(): void {
    if (this.#linger !== undefined) clearTimeout(this.#linger);
    this.#resolve();
  }
}

/** Keep the current request (if any) alive until `promise` settles; cron and alarm callers await anyway. */
export function keepAlive(promise: Promise<unknown>): void {
  current.getStore()?.keep(promise);
}

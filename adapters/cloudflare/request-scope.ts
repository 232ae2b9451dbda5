import { AsyncLocalStorage } from 'node:async_hooks';

const current = new AsyncLocalStorage<RequestScope>();

/** waitUntil keeps an invocation alive for at most 30 s after the response; give up a little earlier. */
const MAX_LINGER_MS = 25_000;

/**
 * Keeps one request's invocation alive until its bookkeeping is recorded. The core releases an attempt
 * when the body ends, which on Workers is a Durable Object call made after the response was handed over;
 * once a client disconnects, a `waitUntil` registered only then is too late for it. So the scope
 * registers one `waitUntil` when the request starts, and settles it after the response is finished and
 * every state call made on the request's behalf (found through AsyncLocalStorage) has been answered.
 * Running on the request's own context matters for a second reason: a Worker's I/O objects (stubs too)
 * belong to the request that created them.
 */
export class RequestScope {
  readonly #pending = new Set<Promise<unknown>>();
  #responseDone = false;
  #settle!: () => void;

  constructor(waitUntil: (promise: Promise<unknown>) => void) {
    const settled = new Promise<void>((resolve) => {
      this.#settle = resolve;
    });
    const linger = new Promise<void>((resolve) => setTimeout(resolve, MAX_LINGER_MS));
    waitUntil(Promise.race([settled, linger]));
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
    this.#responseDone = true;
    setTimeout(() => this.#check(), 0);
  }

  #check(): void {
    if (this.#responseDone && this.#pending.size === 0) this.#settle();
  }
}

/** Keep the current request (if any) alive until `promise` settles; cron and alarm callers await anyway. */
export function keepAlive(promise: Promise<unknown>): void {
  current.getStore()?.keep(promise);
}

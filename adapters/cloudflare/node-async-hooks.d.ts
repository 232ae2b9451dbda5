/** The one Node API the Worker uses (compatibility flag `nodejs_als`); workers-types does not declare it. */
declare module 'node:async_hooks' {
  export class AsyncLocalStorage<T> {
    getStore(): T | undefined;
    run<R>(store: T, callback: () => R): R;
  }
}

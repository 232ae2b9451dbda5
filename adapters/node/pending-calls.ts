import type { StateAnswer } from './cluster-messages.ts';

interface Waiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** Calls sent over IPC under a number, each waiting for its answer (`{id, ok}` or `{id, error}`). */
export class PendingCalls {
  readonly #waiting = new Map<number, Waiter>();
  #next = 0;

  /** A new call: its id, and what its answer will settle. */
  open(): { readonly id: number; readonly answer: Promise<unknown> } {
    const id = ++this.#next;
    const answer = new Promise<unknown>((resolve, reject) => this.#waiting.set(id, { resolve, reject }));
    return { id, answer };
  }

  settle(answer: StateAnswer): void {
    const waiter = this.#waiting.get(answer.id);
    if (!waiter) return;
    this.#waiting.delete(answer.id);
    if ('error' in answer) waiter.reject(new Error(answer.error));
    else waiter.resolve(answer.ok);
  }

  /** The call could not be sent, or will never be answered. */
  fail(id: number, error: unknown): void {
    this.#waiting.get(id)?.reject(error);
    this.#waiting.delete(id);
  }

  failAll(error: unknown): void {
    for (const waiter of this.#waiting.values()) waiter.reject(error);
    this.#waiting.clear();
  }
}

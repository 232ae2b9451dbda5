import type {
  AcquireRequest,
  AcquireResult,
  StateChannel,
  StateOp,
  StateOpResult,
  StateView,
} from '../../src/index.ts';
import type { StateAnswer, StateCall } from './cluster-messages.ts';
import { PendingCalls } from './pending-calls.ts';

/**
 * A cluster worker's StateChannel to the primary, which owns the one state of the whole router. Calls
 * made while the event loop handles one round of I/O leave as one IPC message (sent on setImmediate),
 * so under load many requests' acquires and releases share a message and its serialisation; the
 * primary answers them in one message too. Shard names are ignored: the primary keeps every shard in
 * one state, and `viewAll` reads it whole.
 */
export class IpcStateChannel implements StateChannel {
  readonly #send: (calls: readonly StateCall[]) => void;
  readonly #pending = new PendingCalls();
  #outbox: StateCall[] = [];
  #closed: Error | null = null;

  /** `send` throws when the channel to the primary is gone. */
  constructor(send: (calls: readonly StateCall[]) => void) {
    this.#send = send;
  }

  acquire(_shard: string, request: AcquireRequest): Promise<AcquireResult> {
    return this.#call((id) => ({ id, acquire: request })) as Promise<AcquireResult>;
  }

  view(_shard: string, now: number): Promise<StateView> {
    return this.viewAll(now);
  }

  viewAll(now: number): Promise<StateView> {
    return this.#call((id) => ({ id, view: now })) as Promise<StateView>;
  }

  apply(_shard: string, ops: readonly StateOp[]): Promise<readonly StateOpResult[]> {
    return this.#call((id) => ({ id, ops })) as Promise<readonly StateOpResult[]>;
  }

  /** The primary's answers to earlier calls. */
  answer(answers: readonly StateAnswer[]): void {
    for (const answer of answers) this.#pending.settle(answer);
  }

  /** The primary is gone: every open and later call fails. */
  close(reason: string): void {
    this.#closed = new Error(reason);
    this.#pending.failAll(this.#closed);
    this.#outbox = [];
  }

  #call(make: (id: number) => StateCall): Promise<unknown> {
    if (this.#closed) return Promise.reject(this.#closed);
    const { id, answer } = this.#pending.open();
    if (this.#outbox.length === 0) setImmediate(this.#flush);
    this.#outbox.push(make(id));
    return answer;
  }

  readonly #flush = (): void => {
    const calls = this.#outbox;
    this.#outbox = [];
    if (calls.length === 0) return;
    try {
      this.#send(calls);
    } catch (error) {
      for (const call of calls) this.#pending.fail(call.id, error);
    }
  };
}

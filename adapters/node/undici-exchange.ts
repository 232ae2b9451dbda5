import type { Dispatcher } from 'undici';
import type { HeaderRecord, UpstreamResponse } from '../../src/index.ts';
import { expectHeaders, type RequestProgress } from './request-progress.ts';

type Controller = Dispatcher.DispatchController;

/** Chunks buffered for a slow client before the upstream socket is paused (backpressure). */
const HIGH_WATER_CHUNKS = 16;

/**
 * One upstream exchange on undici's dispatcher handler API: no Readable stream and no AbortSignal per
 * request, which the `request()` API allocates. It resolves with the response head, then serves the
 * body as an async iterable of the chunks exactly as they arrived (never merged, so SSE events are
 * relayed one by one), pausing the socket while the client is slower than the upstream.
 */
export class UndiciExchange implements Dispatcher.DispatchHandler, AsyncIterator<Uint8Array> {
  #controller: Controller | null = null;
  #headResolve: ((response: UpstreamResponse) => void) | null;
  #headReject: ((error: Error) => void) | null;
  readonly #chunks: Uint8Array[] = [];
  #ended = false;
  #error: Error | null = null;
  #waiter: { resolve: (step: IteratorResult<Uint8Array>) => void; reject: (error: Error) => void } | null =
    null;
  #abortReason: Error | null = null;
  #onSettled: (() => void) | null = null;

  readonly head: Promise<UpstreamResponse>;
  /** How far the request got (which socket, whether it was written whole). */
  readonly progress: RequestProgress;

  constructor(progress: RequestProgress) {
    this.progress = progress;
    let resolve!: (response: UpstreamResponse) => void;
    let reject!: (error: Error) => void;
    this.head = new Promise<UpstreamResponse>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.#headResolve = resolve;
    this.#headReject = reject;
  }

  /** Called once the exchange is over (end, error or abort), e.g. to clear a deadline timer. */
  onSettled(callback: () => void): void {
    this.#onSettled = callback;
  }

  /** Abort at any stage; before the request reached a socket, as soon as it does. */
  abort(reason: Error): void {
    if (this.#abortReason) return;
    this.#abortReason = reason;
    if (this.#controller) this.#controller.abort(reason);
  }

  onRequestStart(controller: Controller): void {
    this.#controller = controller;
    expectHeaders(this.progress);
    if (this.#abortReason) controller.abort(this.#abortReason);
  }

  onResponseStart(controller: Controller, statusCode: number, headers: HeaderRecord): void {
    this.#controller = controller;
    const resolve = this.#headResolve;
    this.#headResolve = null;
    this.#headReject = null;
    resolve?.({
      status: statusCode,
      headers,
      body: { [Symbol.asyncIterator]: () => this },
      cancel: () => this.abort(new Error('upstream body cancelled')),
    });
  }

  onResponseData(controller: Controller, chunk: Uint8Array): void {
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = null;
      waiter.resolve({ done: false, value: chunk });
      return;
    }
    this.#chunks.push(chunk);
    if (this.#chunks.length >= HIGH_WATER_CHUNKS) controller.pause();
  }

  onResponseEnd(): void {
    this.#ended = true;
    this.#settle();
    if (this.#waiter && this.#chunks.length === 0) {
      const waiter = this.#waiter;
      this.#waiter = null;
      waiter.resolve({ done: true, value: undefined });
    }
  }

  onResponseError(_controller: Controller | undefined, error: Error): void {
    this.#error = error;
    this.#settle();
    if (this.#headReject) {
      const reject = this.#headReject;
      this.#headResolve = null;
      this.#headReject = null;
      reject(error);
      return;
    }
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = null;
      waiter.reject(error);
    }
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    const chunk = this.#chunks.shift();
    if (chunk !== undefined) {
      if (this.#controller?.paused && this.#chunks.length < HIGH_WATER_CHUNKS / 2) this.#controller.resume();
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.#error) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve({ done: true, value: undefined });
    if (this.#controller?.paused) this.#controller.resume();
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<Uint8Array>> {
    if (!this.#ended && !this.#error) this.abort(new Error('upstream body cancelled'));
    return Promise.resolve({ done: true, value: undefined });
  }

  #settle(): void {
    const callback = this.#onSettled;
    this.#onSettled = null;
    callback?.();
  }
}

import { EventEmitter } from 'node:events';

export type SimEventName = 'cancel' | 'request' | 'complete';

export interface SimEventInfo {
  path: string;
  /** `Date.now()` when it happened. */
  at: number;
  /** The request's `X-Request-Id`, when it sent one. */
  requestId?: string;
}

export type SimEventListener = (info: SimEventInfo) => void;

/** Typed view of the emitter: every request emits `request`, then `complete` or `cancel` (not on drops). */
export interface SimEvents {
  on(event: SimEventName, listener: SimEventListener): SimEvents;
  once(event: SimEventName, listener: SimEventListener): SimEvents;
  off(event: SimEventName, listener: SimEventListener): SimEvents;
}

export class SimEventBus implements SimEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Tests may attach many waiters; the default cap of 10 would only print a spurious leak warning.
    this.emitter.setMaxListeners(0);
  }

  on(event: SimEventName, listener: SimEventListener): SimEvents {
    this.emitter.on(event, listener);
    return this;
  }

  once(event: SimEventName, listener: SimEventListener): SimEvents {
    this.emitter.once(event, listener);
    return this;
  }

  off(event: SimEventName, listener: SimEventListener): SimEvents {
    this.emitter.off(event, listener);
    return this;
  }

  emit(event: SimEventName, info: SimEventInfo): void {
    // Skip the emit machinery when nobody listens: the per-request hot path stays cheap.
    if (this.emitter.listenerCount(event) > 0) this.emitter.emit(event, info);
  }
}

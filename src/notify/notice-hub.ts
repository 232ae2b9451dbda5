import type { DeliveryTuning } from './deliver-payload.ts';
import type { Notice } from './notice.ts';
import type { NotifierSnapshot } from './notifier-machine.ts';

/**
 * Where a router's notices go. Node runs the notifier in process (notifier.ts); on Workers every isolate
 * forwards them to the one notifier object (remote-notice-hub.ts), which runs the same notifier.
 */
export interface NoticeHub {
  /** Never blocks and never throws: called on the routing path. */
  offer(notice: Notice): void;
  /** When `runDue` next has work (ms since epoch). */
  nextDueAt(): number;
  /** The background task: batch flushes and reports that fell due. */
  runDue(now: number): Promise<void>;
  /** Resolves when what was handed over so far is delivered (or given up on). */
  settled(): Promise<void>;
  /** Shutdown: send pending alerts now, waiting at most `ms` for them. */
  flush(ms: number): Promise<void>;
}

/** How an isolate reaches the shared notifier (Workers: a Durable Object). */
export interface NoticeChannel {
  offer(notices: readonly Notice[]): Promise<void>;
}

/** Where an in-process notifier keeps its decisions across restarts (the notifier object's storage). */
export interface NotifierStore {
  readonly saved: NotifierSnapshot | undefined;
  save(snapshot: NotifierSnapshot): void;
}

/** How a runtime sets up notifications for a router. */
export interface NoticeOptions {
  /** Forward notices here instead of notifying from this instance. */
  readonly channel?: NoticeChannel;
  readonly store?: NotifierStore;
  readonly tuning?: Partial<DeliveryTuning>;
  /** Identifies the config texts: one startup report per version. */
  readonly version?: string;
}

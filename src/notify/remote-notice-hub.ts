import type { Logger } from '../core/logger.ts';
import type { Notice } from './notice.ts';
import type { NoticeChannel, NoticeHub } from './notice-hub.ts';

/**
 * A Worker isolate's notice hub: notices go to the one notifier object, several per call when they come
 * in the same turn (a probe round's results). Batching, cooldowns and reports all happen there, so two
 * isolates seeing two backends fail still produce one message.
 */
export class RemoteNoticeHub implements NoticeHub {
  readonly #channel: NoticeChannel;
  readonly #enabled: () => boolean;
  readonly #log: Logger;
  readonly #pending = new Set<Promise<void>>();
  #queued: Notice[] | null = null;

  constructor(channel: NoticeChannel, enabled: () => boolean, log: Logger) {
    this.#channel = channel;
    this.#enabled = enabled;
    this.#log = log;
  }

  offer(notice: Notice): void {
    if (!this.#enabled()) return;
    if (this.#queued) {
      this.#queued.push(notice);
      return;
    }
    const queued = [notice];
    this.#queued = queued;
    queueMicrotask(() => {
      this.#queued = null;
      const sent = this.#channel.offer(queued).catch((error: unknown) => {
        this.#log.warn('notifier unreachable, notices lost', {
          notices: queued.length,
          error: String(error),
        });
      });
      this.#pending.add(sent);
      void sent.finally(() => this.#pending.delete(sent));
    });
  }

  nextDueAt(): number {
    return Number.POSITIVE_INFINITY;
  }

  async runDue(): Promise<void> {}

  async settled(): Promise<void> {
    // Notices offered in this turn are sent on the next microtask.
    await Promise.resolve();
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  async flush(): Promise<void> {
    await this.settled();
  }
}

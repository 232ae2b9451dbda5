import type { WebhookTarget } from '../config/webhook-targets.ts';
import type { Logger } from '../core/logger.ts';
import { type DeliverDeps, deliverPayload } from './deliver-payload.ts';
import { fixed, formatCount, type Line, type Message } from './message.ts';
import { redactorFor, targetLabel } from './redact.ts';
import { formatFor, renderParts, type TargetFormat } from './target-format.ts';

export interface DeliveryStats {
  readonly queued: number;
  readonly delivered: number;
  /** Notifications given up on after every retry. */
  readonly failed: number;
  /** Notifications dropped unsent because the queue was full. */
  readonly dropped: number;
}

/**
 * One target's delivery: a bounded queue sent one notification at a time, in order, each split to fit
 * the target's format. A slow or dead webhook only ever holds this queue: the newest notifications wait,
 * the oldest are dropped beyond `queueLimit`, and what was lost (dropped or failed) is said at the top
 * of the next notification that goes through. Each failure is logged once, without the URL.
 */
export class TargetDelivery {
  readonly #target: WebhookTarget;
  readonly #format: TargetFormat;
  readonly #deps: DeliverDeps & { readonly log: Logger; readonly timeoutMs: () => number };
  readonly #label: string;
  readonly #redact: (text: string) => string;
  readonly #queue: Message[] = [];
  #running: Promise<void> | null = null;
  #closed = false;
  /** Notifications lost since the channel last received one. */
  #lost = 0;
  #loggedDrop = false;
  #delivered = 0;
  #failed = 0;
  #dropped = 0;

  constructor(
    target: WebhookTarget,
    deps: DeliverDeps & { readonly log: Logger; readonly timeoutMs: () => number },
  ) {
    this.#target = target;
    this.#format = formatFor(target.type);
    this.#deps = deps;
    this.#label = targetLabel(target);
    this.#redact = redactorFor(target);
  }

  get stats(): DeliveryStats {
    return {
      queued: this.#queue.length,
      delivered: this.#delivered,
      failed: this.#failed,
      dropped: this.#dropped,
    };
  }

  enqueue(message: Message): void {
    if (this.#closed) return;
    if (this.#queue.length >= this.#deps.tuning.queueLimit) {
      this.#queue.shift();
      this.#dropped++;
      this.#lost++;
      if (!this.#loggedDrop) {
        this.#loggedDrop = true;
        this.#deps.log.warn('webhook queue full, dropping the oldest notifications', {
          target: this.#label,
          limit: this.#deps.tuning.queueLimit,
        });
      }
    }
    this.#queue.push(message);
    this.#running ??= this.#pump().finally(() => {
      this.#running = null;
    });
  }

  /** Resolves when the queue is empty (or closed). */
  async settled(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** The target left the config: send nothing more (a send in progress finishes). */
  close(): void {
    this.#closed = true;
    this.#queue.length = 0;
  }

  async #pump(): Promise<void> {
    for (let message = this.#queue.shift(); message && !this.#closed; message = this.#queue.shift()) {
      await this.#send(message);
    }
  }

  async #send(message: Message): Promise<void> {
    const lost = this.#lost;
    const notes: Line[] =
      lost > 0
        ? [
            {
              runs: [
                fixed(
                  `⚠ ${formatCount(lost)} earlier notification${lost > 1 ? 's' : ''} to this channel could not be delivered (see the router log)`,
                ),
              ],
              data: { event: 'lost', count: lost },
            },
          ]
        : [];
    const parts = renderParts(this.#format, message, this.#target.mentions, notes);
    for (const { part, body } of parts) {
      const result = await deliverPayload(
        this.#target,
        this.#format,
        body,
        this.#deps.timeoutMs(),
        this.#deps,
      );
      if (!result.ok) {
        this.#failed++;
        this.#lost++;
        this.#deps.log.warn('webhook delivery failed', {
          target: this.#label,
          kind: message.kind,
          part: `${part.index}/${part.count}`,
          attempts: result.attempts,
          error: this.#redact(result.reason),
        });
        return;
      }
      // The note went out with the first part.
      if (part.index === 1) this.#lost -= lost;
    }
    this.#delivered++;
    this.#loggedDrop = false;
    this.#deps.log.debug('webhook delivered', {
      target: this.#label,
      kind: message.kind,
      parts: parts.length,
    });
  }
}

import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { Random } from '../core/random.ts';
import type { Transport } from '../core/transport.ts';
import type { PoolSnapshot } from '../pool/pool-snapshot.ts';
import type { StateView } from '../state/router-state.ts';
import { alertMessage } from './alert-message.ts';
import { DEFAULT_DELIVERY_TUNING, type DeliveryTuning } from './deliver-payload.ts';
import type { Message } from './message.ts';
import type { Notice } from './notice.ts';
import type { NoticeHub, NotifierStore } from './notice-hub.ts';
import { type DueReport, type DueWork, NotifierMachine } from './notifier-machine.ts';
import type { NotifySettings } from './notify-settings.ts';
import { reportMessage } from './report-message.ts';
import { baselineOf } from './report-stats.ts';
import { type DeliveryStats, TargetDelivery } from './target-delivery.ts';

export interface NotifierDeps {
  /** The live `webhook` settings (null: off); read at every step, so a reload applies at once. */
  readonly settings: () => NotifySettings | null;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly random: Random;
  readonly log: Logger;
  /** The shared state's view and the configured pool: what reports are made of. */
  readonly view: () => Promise<StateView>;
  readonly snapshot: () => PoolSnapshot;
  readonly store?: NotifierStore;
  readonly tuning?: Partial<DeliveryTuning>;
}

/**
 * The notifier where it runs (the Node process; on Workers, the notifier object): decisions by the
 * NotifierMachine, messages built from its due work, one TargetDelivery per configured target. Offering
 * a notice is a synchronous map update; building, splitting and sending happen in the background task.
 */
export class Notifier implements NoticeHub {
  readonly #deps: NotifierDeps;
  readonly #machine: NotifierMachine;
  readonly #tuning: DeliveryTuning;
  /** Keyed by everything that defines a target (type, URL, secret, mentions): in memory only. */
  readonly #deliveries = new Map<string, { readonly delivery: TargetDelivery; readonly label: string }>();

  constructor(deps: NotifierDeps) {
    this.#deps = deps;
    this.#machine = new NotifierMachine(deps.store?.saved);
    this.#tuning = { ...DEFAULT_DELIVERY_TUNING, ...deps.tuning };
  }

  offer(notice: Notice): void {
    if (this.#deps.settings() === null) return;
    this.#machine.offer(notice);
    this.#save();
  }

  nextDueAt(): number {
    const settings = this.#deps.settings();
    if (settings !== null) return this.#machine.nextDueAt(settings.timings);
    // Turned off by a reload: one more run closes the deliveries and forgets what was pending.
    return this.#deliveries.size > 0 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }

  async runDue(now: number): Promise<void> {
    const settings = this.#deps.settings();
    if (settings === null) {
      this.#machine.clearPending();
      this.#reconcile([]);
      this.#save();
      return;
    }
    this.#reconcile(settings.targets);
    const work = this.#machine.takeDue(now, settings.timings);
    if (work === null) return;
    this.#save();
    this.#sendAlerts(work, now);
    if (work.report) await this.#report(work.report, now);
    this.#save();
  }

  async settled(): Promise<void> {
    await Promise.all([...this.#deliveries.values()].map(({ delivery }) => delivery.settled()));
  }

  async flush(ms: number): Promise<void> {
    const settings = this.#deps.settings();
    if (settings === null) return;
    this.#reconcile(settings.targets);
    const now = this.#deps.clock.now();
    // Every pending change, window and cooldown regardless: this process will not be here to send them.
    const work = this.#machine.takeDue(now, {
      ...settings.timings,
      batchMs: Number.NEGATIVE_INFINITY,
      cooldownMs: Number.NEGATIVE_INFINITY,
    });
    if (work) this.#sendAlerts(work, now);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.settled(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms);
      }),
    ]);
    if (timer !== undefined) clearTimeout(timer);
  }

  /** Per target: queued, delivered, failed and dropped notifications (labels carry no secrets). */
  stats(): { target: string; stats: DeliveryStats }[] {
    return [...this.#deliveries.values()].map(({ delivery, label }) => ({
      target: label,
      stats: delivery.stats,
    }));
  }

  #sendAlerts(work: DueWork, now: number): void {
    if (work.changes.length > 0 || work.configs.length > 0 || work.untracked > 0)
      this.#broadcast(alertMessage(work, now));
  }

  async #report(due: DueReport, now: number): Promise<void> {
    const [view, snapshot] = [await this.#deps.view(), this.#deps.snapshot()];
    this.#machine.retain(new Set(snapshot.backends.map((backend) => backend.id)));
    if (due.kind === 'baseline') {
      this.#machine.periodicSent(baselineOf(view));
      return;
    }
    if (due.kind === 'startup') {
      const probed = new Set(view.backends.filter((b) => b.probed).map((b) => b.id));
      if (!due.waitOver && !snapshot.backends.every((backend) => probed.has(backend.id))) return;
      this.#machine.startupSent(now, baselineOf(view));
    } else {
      this.#machine.periodicSent(baselineOf(view));
    }
    this.#broadcast(
      reportMessage({ kind: due.kind, view, snapshot, now, since: due.since, baseline: due.baseline }),
    );
  }

  #broadcast(message: Message): void {
    for (const { delivery } of this.#deliveries.values()) delivery.enqueue(message);
  }

  /** Deliveries for the configured targets: new ones created, removed ones closed, the rest kept. */
  #reconcile(targets: NotifySettings['targets']): void {
    const wanted = new Map(targets.map((target) => [JSON.stringify(target), target]));
    for (const [key, { delivery }] of this.#deliveries) {
      if (wanted.has(key)) continue;
      delivery.close();
      this.#deliveries.delete(key);
    }
    for (const [key, target] of wanted) {
      if (this.#deliveries.has(key)) continue;
      const delivery = new TargetDelivery(target, {
        transport: this.#deps.transport,
        clock: this.#deps.clock,
        random: this.#deps.random,
        log: this.#deps.log,
        tuning: this.#tuning,
        timeoutMs: () => this.#deps.settings()?.timeoutMs ?? 10_000,
      });
      this.#deliveries.set(key, { delivery, label: `${target.type} ${target.key}` });
    }
  }

  #save(): void {
    this.#deps.store?.save(this.#machine.snapshot());
  }
}

import { DurableObject } from 'cloudflare:workers';
import type { LlmRouter, Notice, NotifierSnapshot } from '../../src/index.ts';
import type { WorkerEnv } from './env.ts';
import { createWorkerRouter } from './isolate-router.ts';

const STATE_KEY = 'notifier';

/**
 * The deployment's one notifier. Health changes are seen by whichever isolate saw them (a request's
 * ejection, the scheduler's probe round), so batching, cooldowns, "who was reported down" and report
 * times live here: every isolate offers its notices, this object runs the same Notifier the Node service
 * runs (inside a router of its own, which reports read from the shared state objects), and its alarm is
 * the notifier's background task. The notifier's decisions are written to storage on every change and
 * read back on a restart, so a redeploy sends no spurious "recovered" and loses no pending window.
 */
export class NotifierObject extends DurableObject<WorkerEnv> {
  #saved: NotifierSnapshot | undefined;
  #router: Promise<LlmRouter> | null = null;

  constructor(ctx: DurableObjectState, env: WorkerEnv) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.#saved = await ctx.storage.get<NotifierSnapshot>(STATE_KEY);
    });
  }

  /** Notices from an isolate: decided on at once, sent when their batch window or report falls due. */
  async offer(notices: Notice[]): Promise<void> {
    const router = await this.#routerOf();
    for (const notice of notices) router.notices.offer(notice);
    await this.#arm(router.notices.nextDueAt());
  }

  /** The cron tick's check that the report schedule's alarm is set. */
  async ensureArmed(): Promise<void> {
    await this.#arm((await this.#routerOf()).notices.nextDueAt());
  }

  override async alarm(): Promise<void> {
    const { background } = await this.#routerOf();
    const next = background.runDue((task) => task === 'notify');
    // Wait for the messages to go out, but no longer than the next batch is due (a hung webhook must not
    // hold the next one; its delivery goes on meanwhile and is retried within its bound).
    let timer: ReturnType<typeof setTimeout> | null = null;
    await Promise.race([
      background.settled(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Number.isFinite(next) ? Math.max(0, next - Date.now()) : 60_000);
      }),
    ]);
    if (timer !== null) clearTimeout(timer);
    const after = (await this.#routerOf()).notices.nextDueAt();
    if (after !== Number.POSITIVE_INFINITY) await this.ctx.storage.setAlarm(Math.max(after, Date.now()));
  }

  /** Alarm at `next` (-Infinity: now) unless an earlier one is set. */
  async #arm(next: number): Promise<void> {
    if (next === Number.POSITIVE_INFINITY) return;
    const at = Math.max(next, Date.now());
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  #routerOf(): Promise<LlmRouter> {
    if (!this.#router) {
      const built = createWorkerRouter(this.env, {
        store: {
          saved: this.#saved,
          // Not awaited: the output gate holds this call's answer until the write is durable.
          save: (snapshot) => void this.ctx.storage.put(STATE_KEY, snapshot),
        },
      }).then((created) => created.router);
      built.catch(() => {
        if (this.#router === built) this.#router = null;
      });
      this.#router = built;
    }
    return this.#router;
  }
}

import { DurableObject } from 'cloudflare:workers';
import type { HistoryPayload } from '../../src/index.ts';
import { runsOnAlarm } from './cadence.ts';
import type { WorkerEnv } from './env.ts';
import { isolateRouter } from './isolate-router.ts';

/**
 * History is sampled once a second for this long after `/api/history` was last read: a sample reads every
 * state shard (one Durable Object call per model), which nobody needs while no dashboard is open.
 */
export const HISTORY_WATCH_MS = 10 * 60_000;

/**
 * Sub-minute background work on a Durable Object alarm, since cron triggers fire at most once a minute:
 * health probes every health_check.interval, engine scrapes every monitor.collect_interval, and the
 * `/api/history` samples. The alarm runs the router's own `background.runDue()` for those tasks; the
 * rounds write their results into the state objects like any isolate would. History lives here, in
 * this one object's router, and is served over RPC: a sample is taken once a second on the alarm, never
 * because a request came in, so however many clients poll, the 120 samples stay one per second. The
 * cron handler calls `ensureArmed` every minute, which restarts the loop if it ever stopped.
 */
export class BackgroundScheduler extends DurableObject<WorkerEnv> {
  #watchedUntil = 0;

  async ensureArmed(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
  }

  /** The samples taken so far; keeps sampling on for HISTORY_WATCH_MS from now. */
  async history(): Promise<HistoryPayload> {
    const wasWatched = this.#watchedUntil > Date.now();
    this.#watchedUntil = Date.now() + HISTORY_WATCH_MS;
    if (!wasWatched) {
      // Sample at once rather than at the next health round, which may be a minute away.
      const armed = await this.ctx.storage.getAlarm();
      if (armed === null || armed > Date.now() + 1000) await this.ctx.storage.setAlarm(Date.now());
    }
    return (await isolateRouter(this.env)).router.history();
  }

  override async alarm(): Promise<void> {
    const { background } = (await isolateRouter(this.env)).router;
    const sampling = this.#watchedUntil > Date.now();
    const next = background.runDue((task, periodMs) => runsOnAlarm(task, periodMs, sampling));
    // Wait for the rounds, but no longer than the next one is due: a health round held up by a probe
    // timeout must not delay the next scrape past the point where least-waiting calls the metrics stale.
    // A round still running then finishes in the background and is skipped until it has.
    if (!Number.isFinite(next)) {
      await background.settled();
      return;
    }
    let timer: ReturnType<typeof setTimeout> | null = null;
    await Promise.race([
      background.settled(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, background.msUntil(next));
      }),
    ]);
    if (timer !== null) clearTimeout(timer);
    // Alarms take wall-clock times; `next` is on the router's monotonic clock.
    await this.ctx.storage.setAlarm(Date.now() + background.msUntil(next));
  }
}

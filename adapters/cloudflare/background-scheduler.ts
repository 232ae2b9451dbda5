import { DurableObject } from 'cloudflare:workers';
import { runsOnAlarm } from './cadence.ts';
import type { WorkerEnv } from './env.ts';
import { isolateRouter } from './isolate-router.ts';

/** The one scheduler object's name: a single alarm loop per deployment, however many isolates serve. */
export const SCHEDULER_NAME = 'background';

/**
 * Sub-minute background work (health probes every health_check.interval, engine scrapes every
 * monitor.collect_interval) on a Durable Object alarm, since cron triggers fire at most once a minute.
 * The alarm runs the router's own `background.runDue()` for those tasks; the rounds write their results
 * into the state objects like any isolate would, and nothing is kept beyond the next due times, so a
 * restarted object just runs the next round at once. The cron handler calls `ensureArmed` every minute,
 * which restarts the loop if it ever stopped.
 */
export class BackgroundScheduler extends DurableObject<WorkerEnv> {
  async ensureArmed(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
  }

  override async alarm(): Promise<void> {
    const { background } = (await isolateRouter(this.env)).router;
    const next = background.runDue(runsOnAlarm);
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

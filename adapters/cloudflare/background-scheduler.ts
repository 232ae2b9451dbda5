import { DurableObject } from 'cloudflare:workers';
import { alarmPeriodMs } from './cadence.ts';
import type { WorkerEnv } from './env.ts';
import { isolateRouter } from './isolate-router.ts';

/** The one scheduler object's name: a single alarm loop per deployment, however many isolates serve. */
export const SCHEDULER_NAME = 'background';

/**
 * Sub-minute background work (health probes every health_check.interval, engine scrapes every
 * monitor.collect_interval) on a Durable Object alarm, since cron triggers fire at most once a minute.
 * The rounds write their results into the state objects like any isolate would; nothing here is kept
 * beyond the next due times, so a restarted object just runs the next round at once. The cron handler
 * calls `ensureArmed` every minute, which restarts the loop if it ever stopped.
 */
export class BackgroundScheduler extends DurableObject<WorkerEnv> {
  #nextHealth = 0;
  #nextScrape = 0;

  async ensureArmed(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
  }

  override async alarm(): Promise<void> {
    const { config, router } = await isolateRouter(this.env);
    const healthMs = alarmPeriodMs(config.health_check.interval);
    const scrapeMs = alarmPeriodMs(config.monitor.collect_interval);
    const now = Date.now();
    const rounds: Promise<void>[] = [];
    if (healthMs !== null && now >= this.#nextHealth) {
      this.#nextHealth = now + healthMs;
      rounds.push(router.runHealthRound());
    }
    if (scrapeMs !== null && now >= this.#nextScrape) {
      this.#nextScrape = now + scrapeMs;
      rounds.push(router.scrapeRound());
    }
    const results = await Promise.allSettled(rounds);
    for (const result of results) {
      if (result.status === 'rejected')
        console.error(
          JSON.stringify({ level: 'error', msg: 'background round failed', error: String(result.reason) }),
        );
    }
    const next = Math.min(
      healthMs === null ? Infinity : this.#nextHealth,
      scrapeMs === null ? Infinity : this.#nextScrape,
    );
    // A round longer than its period runs again right after, never concurrently with itself.
    if (Number.isFinite(next)) await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
  }
}

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
  /** Rounds still running from an earlier alarm: a round never overlaps itself. */
  #healthRound: Promise<void> | null = null;
  #scrapeRound: Promise<void> | null = null;

  async ensureArmed(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
  }

  override async alarm(): Promise<void> {
    const { config, router } = await isolateRouter(this.env);
    const healthMs = alarmPeriodMs(config.health_check.interval);
    const scrapeMs = alarmPeriodMs(config.monitor.collect_interval);
    const now = Date.now();
    if (healthMs !== null && now >= this.#nextHealth && this.#healthRound === null) {
      this.#nextHealth = now + healthMs;
      this.#healthRound = logFailure(router.runHealthRound()).finally(() => {
        this.#healthRound = null;
      });
    }
    if (scrapeMs !== null && now >= this.#nextScrape && this.#scrapeRound === null) {
      this.#nextScrape = now + scrapeMs;
      this.#scrapeRound = logFailure(router.scrapeRound()).finally(() => {
        this.#scrapeRound = null;
      });
    }
    const next = Math.min(
      healthMs === null ? Infinity : this.#nextHealth,
      scrapeMs === null ? Infinity : this.#nextScrape,
    );
    // Wait for the rounds, but no longer than the next one is due: a health round held up by a probe
    // timeout must not delay the next scrape past the point where least-waiting calls the metrics stale.
    // A round still running then finishes in the background and is skipped until it has.
    const running = [this.#healthRound, this.#scrapeRound].filter((round) => round !== null);
    if (!Number.isFinite(next)) {
      await Promise.all(running);
      return;
    }
    let timer: ReturnType<typeof setTimeout> | null = null;
    await Promise.race([
      Promise.all(running),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, next - Date.now()));
      }),
    ]);
    if (timer !== null) clearTimeout(timer);
    await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
  }
}

async function logFailure(round: Promise<void>): Promise<void> {
  try {
    await round;
  } catch (error) {
    console.error(JSON.stringify({ level: 'error', msg: 'background round failed', error: String(error) }));
  }
}

const MINUTE_MS = 60_000;

/**
 * Who runs a periodic task: cron triggers fire once a minute, so tasks of a minute or more run on the
 * cron tick (every n-th minute, n = interval rounded to whole minutes); shorter ones need the scheduler
 * object's alarm.
 */
export function dueOnCron(intervalSeconds: number, scheduledTime: number): boolean {
  if (intervalSeconds * 1000 < MINUTE_MS) return false;
  const every = Math.max(1, Math.round(intervalSeconds / 60));
  return Math.floor(scheduledTime / MINUTE_MS) % every === 0;
}

/** The alarm period of a sub-minute task, or null when the cron covers it. */
export function alarmPeriodMs(intervalSeconds: number): number | null {
  const ms = intervalSeconds * 1000;
  return ms < MINUTE_MS ? ms : null;
}

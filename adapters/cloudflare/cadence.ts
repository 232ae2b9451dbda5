import type { BackgroundTask } from '../../src/index.ts';

const MINUTE_MS = 60_000;

/**
 * Who runs a periodic task on Workers: cron triggers fire once a minute, so health and scrape rounds of
 * a minute or more run on the cron tick (every n-th minute, n = period rounded to whole minutes);
 * shorter ones on the scheduler object's alarm. History samples (once a second) run on that alarm too,
 * but only while someone reads `/api/history` (background-scheduler.ts). Ejection probes wait for the
 * next round (an ejection is seen by one request's isolate only).
 */
export function runsOnWorker(task: BackgroundTask): boolean {
  return task === 'health' || task === 'scrape';
}

/** `sampling`: whether history is being watched, so its samples are due on the alarm. */
export function runsOnAlarm(task: BackgroundTask, periodMs: number, sampling = false): boolean {
  if (task === 'history') return sampling;
  return runsOnWorker(task) && periodMs < MINUTE_MS;
}

export function dueOnCron(task: BackgroundTask, periodMs: number, scheduledTime: number): boolean {
  if (!runsOnWorker(task) || periodMs < MINUTE_MS) return false;
  const every = Math.max(1, Math.round(periodMs / MINUTE_MS));
  return Math.floor(scheduledTime / MINUTE_MS) % every === 0;
}

import { describe, expect, it } from 'vitest';
import { ABSENT_BACKOFF_MS, ScrapeSchedule } from '../../src/metrics/scrape-schedule.ts';

describe('ScrapeSchedule', () => {
  it('backs off errors from one period, doubling up to a minute, and resets on success', () => {
    const schedule = new ScrapeSchedule();
    const t = 1000;
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) {
      schedule.failed('a', t, 1000);
      let d = 0;
      while (!schedule.due('a', t + d)) d += 1000;
      delays.push(d);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
    schedule.succeeded('a');
    expect(schedule.due('a', t)).toBe(true);
    schedule.failed('a', t, 1000);
    expect(schedule.due('a', t + 999)).toBe(false);
    expect(schedule.due('a', t + 1000)).toBe(true);
  });

  it('asks an engine without /metrics again only after ten minutes', () => {
    const schedule = new ScrapeSchedule();
    schedule.absent('h', 0);
    expect(schedule.due('h', ABSENT_BACKOFF_MS - 1)).toBe(false);
    expect(schedule.due('h', ABSENT_BACKOFF_MS)).toBe(true);
    expect(schedule.due('other', 0)).toBe(true);
  });
});

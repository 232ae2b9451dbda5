import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../src/core/random.ts';
import {
  LATENCY_BIN_COUNT,
  latencyBin,
  quantileMs,
  sparseCount,
  toSparse,
} from '../../src/metrics/latency-bins.ts';
import { AttemptWindow, WINDOW_MS, WINDOW_SLICE_MS } from '../../src/state/attempt-window.ts';

const T0 = 1_800_000_000_000;

describe('AttemptWindow: the dashboard’s last 60 s of one backend', () => {
  it('keeps successes, TTFT and errors for 60 s, then forgets them slice by slice', () => {
    const window = new AttemptWindow();
    for (let i = 0; i < 10; i++) window.success(T0, 200, 50);
    window.success(T0 + 30_000, 2000, null);
    window.error(T0, 'timeout');
    window.error(T0 + 30_000, 'status_5xx');

    const early = window.view(T0 + 30_000);
    expect(sparseCount(early.latencyBins)).toBe(11);
    expect(sparseCount(early.ttftBins)).toBe(10);
    expect(early.errors.timeout).toBe(1);
    expect(early.errors.status_5xx).toBe(1);
    expect(quantileMs(early.ttftBins, 0.5)).toBeGreaterThan(40);
    expect(quantileMs(early.ttftBins, 0.5)).toBeLessThanOrEqual(50);

    // The T0 slice has left the window; the T0 + 30 s one has not.
    const later = window.view(T0 + WINDOW_MS + WINDOW_SLICE_MS);
    expect(sparseCount(later.latencyBins)).toBe(1);
    expect(sparseCount(later.ttftBins)).toBe(0);
    expect(later.errors.timeout).toBe(0);
    expect(later.errors.status_5xx).toBe(1);
    // The counter /metrics exposes never forgets.
    expect(later.errorsTotal.timeout).toBe(1);

    const gone = window.view(T0 + 30_000 + WINDOW_MS + WINDOW_SLICE_MS);
    expect(gone.latencyBins).toEqual([]);
    expect(gone.errors.status_5xx).toBe(0);
    expect(gone.errorsTotal.status_5xx).toBe(1);
  });

  it('reuses its slots: hours of traffic keep the same bounded ring', () => {
    const window = new AttemptWindow();
    for (let t = 0; t < 3_600_000; t += 250) window.success(T0 + t, 100 + (t % 1000), 10);
    const view = window.view(T0 + 3_600_000);
    // Only the last 60 s (minus the slice being filled) are counted: 4 per second.
    expect(sparseCount(view.latencyBins)).toBeGreaterThan((WINDOW_MS - WINDOW_SLICE_MS) / 250 - 1);
    expect(sparseCount(view.latencyBins)).toBeLessThanOrEqual(WINDOW_MS / 250);
  });

  it('output tokens/s from the engine counter across the window; a reset starts over', () => {
    const window = new AttemptWindow();
    expect(window.view(T0).outputTokensPerSecond).toBeNull();
    window.tokens(T0, 1000);
    expect(window.view(T0).outputTokensPerSecond).toBeNull();
    window.tokens(T0 + 1000, 1500);
    expect(window.view(T0 + 1000).outputTokensPerSecond).toBe(500);
    window.tokens(T0 + 20_000, 11_000);
    expect(window.view(T0 + 20_000).outputTokensPerSecond).toBe(500);
    // The engine restarted: its counter went back to 40.
    window.tokens(T0 + 21_000, 40);
    expect(window.view(T0 + 21_000).outputTokensPerSecond).toBeNull();
    window.tokens(T0 + 22_000, 240);
    expect(window.view(T0 + 22_000).outputTokensPerSecond).toBe(200);
    window.tokens(T0 + 23_000, null);
    expect(window.view(T0 + 23_000).outputTokensPerSecond).toBe(200);
  });

  it('a view is recomputed after a change and when a slice leaves, not otherwise', () => {
    const window = new AttemptWindow();
    window.success(T0, 10, 1);
    const first = window.view(T0);
    expect(window.view(T0 + 1)).toBe(first);
    window.success(T0 + 2, 10, 1);
    const second = window.view(T0 + 2);
    expect(second).not.toBe(first);
    expect(sparseCount(second.latencyBins)).toBe(2);
    expect(sparseCount(window.view(T0 + WINDOW_MS + WINDOW_SLICE_MS).latencyBins)).toBe(0);
  });

  it('its running sums always equal a recount of the events in the window (random traffic, clock steps back)', () => {
    const random = createSeededRandom(42);
    const window = new AttemptWindow();
    const events: { at: number; latency: number; ttft: number; error: boolean }[] = [];
    let now = T0;
    for (let i = 0; i < 5000; i++) {
      // Mostly forward in small steps, sometimes a long gap, now and then a step back.
      const r = random();
      now += r < 0.02 ? -3000 : r < 0.05 ? 40_000 : random() * 200;
      const event = { at: now, latency: random() * 5000, ttft: random() * 500, error: random() < 0.2 };
      if (event.error) window.error(now, 'timeout');
      else window.success(now, event.latency, event.ttft);
      events.push(event);
      if (i % 97 !== 0) continue;
      const current = Math.floor(now / WINDOW_SLICE_MS);
      const counted = events.filter((e) => {
        const slice = Math.floor(e.at / WINDOW_SLICE_MS);
        return slice <= current && current - slice < WINDOW_MS / WINDOW_SLICE_MS;
      });
      // Events written into a slot later reused by an older slice (after a step back) are gone: a
      // recount only over events newer than any reuse would be ambiguous, so compare what must hold.
      const view = window.view(now);
      expect(sparseCount(view.latencyBins)).toBeLessThanOrEqual(counted.filter((e) => !e.error).length);
      expect(view.errors.timeout).toBeLessThanOrEqual(counted.filter((e) => e.error).length);
      expect(view.latencyBins.every((n) => n >= 0)).toBe(true);
    }
    // After a full window of steady forward traffic the sums are exact again.
    const steady: { at: number; latency: number }[] = [];
    for (let i = 0; i < 2000; i++) {
      now += 50;
      const latency = random() * 5000;
      window.success(now, latency, null);
      steady.push({ at: now, latency });
    }
    const current = Math.floor(now / WINDOW_SLICE_MS);
    const dense = new Array<number>(LATENCY_BIN_COUNT).fill(0);
    for (const e of steady)
      if (current - Math.floor(e.at / WINDOW_SLICE_MS) < WINDOW_MS / WINDOW_SLICE_MS)
        dense[latencyBin(e.latency)]!++;
    expect(window.view(now).latencyBins).toEqual(toSparse(dense));
    expect(window.view(now).errors.timeout).toBe(0);
  });

  it('ignores negative durations and counts a clock step back as nothing in the future', () => {
    const window = new AttemptWindow();
    window.success(T0, -5, -1);
    expect(window.view(T0).latencyBins).toEqual([]);
    window.success(T0 + 10_000, 10, 1);
    expect(sparseCount(window.view(T0).latencyBins)).toBe(0);
    expect(sparseCount(window.view(T0 + 10_000).latencyBins)).toBe(1);
  });
});

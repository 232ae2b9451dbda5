import { describe, expect, it } from 'vitest';
import { quantileMs, sparseCount } from '../../src/metrics/latency-bins.ts';
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

  it('ignores negative durations and counts a clock step back as nothing in the future', () => {
    const window = new AttemptWindow();
    window.success(T0, -5, -1);
    expect(window.view(T0).latencyBins).toEqual([]);
    window.success(T0 + 10_000, 10, 1);
    expect(sparseCount(window.view(T0).latencyBins)).toBe(0);
    expect(sparseCount(window.view(T0 + 10_000).latencyBins)).toBe(1);
  });
});

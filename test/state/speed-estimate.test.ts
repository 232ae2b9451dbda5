import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../src/core/random.ts';
import { MIN_SPEED_SAMPLES, SPEED_MEMORY_MS, SpeedEstimate } from '../../src/state/speed-estimate.ts';

const T0 = 1_800_000_000_000;

/** One attempt sent at `at` (with or without a free slot) that succeeded `latencyMs` later. */
function request(
  speed: SpeedEstimate,
  at: number,
  ttftMs: number | null,
  latencyMs: number,
  freeSlot = true,
): void {
  speed.dispatched(at, freeSlot);
  if (ttftMs !== null) speed.firstByte(at, ttftMs);
  speed.settled(at, at + latencyMs, { latencyMs, ttftMs });
}

/** First token plus decoding: how long a request held its slot. */
const serviceOf = (speed: SpeedEstimate, now: number): number | null => {
  const first = speed.firstTokenMs(now);
  const decode = speed.decodeMs(now);
  return first === null || decode === null ? null : first + decode;
};

describe('SpeedEstimate', () => {
  it('knows nothing on a cold start, and nothing from fewer than MIN_SPEED_SAMPLES requests', () => {
    const speed = new SpeedEstimate();
    expect(speed.firstTokenMs(T0)).toBeNull();
    expect(speed.decodeMs(T0)).toBeNull();
    for (let i = 0; i < MIN_SPEED_SAMPLES - 1; i++) request(speed, T0 + i, 60, 800);
    expect(serviceOf(speed, T0 + 10)).toBeNull();
    request(speed, T0 + 5, 60, 800);
    expect(speed.firstTokenMs(T0 + 10_000)).toBe(60);
    expect(serviceOf(speed, T0 + 10_000)).toBe(800);
  });

  it('takes the time to first token only from requests that found a free slot', () => {
    const speed = new SpeedEstimate();
    for (let i = 0; i < 8; i++) request(speed, T0 + i, 60, 860);
    // Queued behind others: 2 s to the first byte, then the same 800 ms of decoding.
    for (let i = 0; i < 20; i++) request(speed, T0 + 100 + i, 2060, 2860, false);
    expect(speed.firstTokenMs(T0 + 5000)).toBe(60);
    expect(serviceOf(speed, T0 + 5000)).toBe(860);
  });

  it('is not moved by heavy-tailed output lengths: 1 in 10 decodes twenty times longer', () => {
    const speed = new SpeedEstimate();
    const lengths = createSeededRandom(21);
    let worst = 0;
    for (let i = 0; i < 2000; i++) {
      const decode = lengths() < 0.9 ? 1000 + lengths() * 200 : 20_000;
      const at = T0 + i * 100;
      request(speed, at, 50, 50 + decode);
      const service = serviceOf(speed, at + 1);
      if (i >= MIN_SPEED_SAMPLES && service !== null) worst = Math.max(worst, service);
    }
    // The typical request takes ~1.15 s; a mean of the last 32 would swing past 3 s.
    expect(worst).toBeLessThan(1500);
  });

  it('follows a backend that slows down at runtime within 17 requests', () => {
    const speed = new SpeedEstimate();
    for (let i = 0; i < 32; i++) request(speed, T0 + i, 60, 860);
    let at = T0 + 1000;
    let requests = 0;
    while ((serviceOf(speed, at) ?? 0) < 3 * 800) {
      request(speed, at, 180, 180 + 2400);
      at += 10;
      requests++;
    }
    expect(requests).toBe(17);
    expect(speed.firstTokenMs(at)).toBe(180);
  });

  it('forgets samples after SPEED_MEMORY_MS, so a slow backend is measured again', () => {
    const speed = new SpeedEstimate();
    // First bytes at T0 + 60, ends at T0 + 860: each sample is as old as the moment it was taken.
    for (let i = 0; i < 8; i++) request(speed, T0, 60, 860);
    expect(speed.firstTokenMs(T0 + 60 + SPEED_MEMORY_MS)).toBe(60);
    expect(speed.firstTokenMs(T0 + 61 + SPEED_MEMORY_MS)).toBeNull();
    expect(speed.decodeMs(T0 + 860 + SPEED_MEMORY_MS)).toBe(800);
    expect(speed.decodeMs(T0 + 861 + SPEED_MEMORY_MS)).toBeNull();
  });

  it('counts a response without a first byte as all prefill, and drops negative durations', () => {
    const speed = new SpeedEstimate();
    for (let i = 0; i < 4; i++) request(speed, T0 + i, null, 700);
    expect(speed.firstTokenMs(T0 + 1000)).toBe(700);
    expect(serviceOf(speed, T0 + 1000)).toBe(700);
    for (let i = 0; i < 10; i++) request(speed, T0 + i, null, -3);
    expect(serviceOf(speed, T0 + 1000)).toBe(700);
  });

  it('learns the time to first token from first bytes, before any request has ended', () => {
    const speed = new SpeedEstimate();
    for (let i = 0; i < 4; i++) {
      speed.dispatched(T0 + i, true);
      speed.firstByte(T0 + i, 70);
    }
    expect(speed.firstTokenMs(T0 + 100)).toBe(70);
    expect(speed.decodeMs(T0 + 100)).toBeNull();
    // Their ends do not count the first byte twice: four more at 10 ms keep the median at 70 until then.
    for (let i = 0; i < 4; i++) speed.settled(T0 + i, T0 + 900, { latencyMs: 900, ttftMs: 70 });
    for (let i = 0; i < 3; i++) request(speed, T0 + 10 + i, 10, 800);
    expect(speed.firstTokenMs(T0 + 1000)).toBe(70);
    expect(speed.decodeMs(T0 + 1000)).toBe(830);
  });

  it('keeps attempts sent in the same millisecond apart, and an unknown dispatch counts as queued', () => {
    const speed = new SpeedEstimate();
    for (let i = 0; i < 4; i++) {
      speed.dispatched(T0, true);
      speed.dispatched(T0, false);
    }
    // Each settle takes one of the attempts sent at T0: four free, four queued.
    for (let i = 0; i < 8; i++) speed.settled(T0, T0 + 900, { latencyMs: 900, ttftMs: 100 });
    // A release the state never saw dispatched (it restarted since): decode time only.
    for (let i = 0; i < 4; i++) speed.settled(T0 - 5, T0 + 900, { latencyMs: 5000, ttftMs: 4200 });
    expect(speed.firstTokenMs(T0 + 1000)).toBe(100);
    // Every one of them decoded for 800 ms.
    expect(serviceOf(speed, T0 + 1000)).toBe(900);
    // Failed or aborted attempts settle without a sample.
    speed.dispatched(T0 + 1, true);
    speed.settled(T0 + 1, T0 + 2);
    expect(speed.firstTokenMs(T0 + 1000)).toBe(100);
  });
});

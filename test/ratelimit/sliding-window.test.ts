import { describe, expect, it } from 'vitest';
import { SlidingWindow } from '../../src/ratelimit/sliding-window.ts';
import { Rng } from '../core/random-json.ts';

const T0 = 1_700_000_000_000;

describe('SlidingWindow', () => {
  it('admits exactly `limit` events in any 60 s window, with exact edges', () => {
    const w = new SlidingWindow();
    for (let s = 0; s < 60; s++) expect(w.tryCharge(T0 + s * 1000, 60)).toBe(true);
    expect(w.count(T0 + 59_000)).toBe(60);
    expect(w.tryCharge(T0 + 59_500, 60)).toBe(false);
    expect(w.tryCharge(T0 + 59_999, 60)).toBe(false);
    // The first charge at T0 stops counting at exactly T0 + 60 s.
    expect(w.count(T0 + 59_999)).toBe(60);
    expect(w.count(T0 + 60_000)).toBe(59);
    expect(w.tryCharge(T0 + 60_000, 60)).toBe(true);
    expect(w.tryCharge(T0 + 60_000, 60)).toBe(false);
    expect(w.tryCharge(T0 + 61_000, 60)).toBe(true);
  });

  it('does not charge a refused attempt', () => {
    const w = new SlidingWindow();
    expect(w.tryCharge(T0, 1)).toBe(true);
    expect(w.tryCharge(T0 + 1, 1)).toBe(false);
    expect(w.count(T0 + 2)).toBe(1);
  });

  it('reports the wait until capacity frees', () => {
    const w = new SlidingWindow();
    for (let s = 0; s < 60; s++) w.tryCharge(T0 + s * 1000, 60);
    expect(w.msUntilFree(T0 + 59_500, 60)).toBe(500);
    expect(w.msUntilFree(T0 + 59_999, 60)).toBe(1);
    expect(w.msUntilFree(T0 + 60_000, 60)).toBe(0);
    // With a lower limit, more events must expire first.
    expect(w.msUntilFree(T0 + 59_500, 50)).toBe(11_000 - 500);
    expect(w.msUntilFree(T0 + 59_500, 61)).toBe(0);
    expect(w.msUntilFree(T0, 0)).toBe(Number.POSITIVE_INFINITY);
    expect(new SlidingWindow().msUntilFree(T0, 1)).toBe(0);
  });

  it('waiting msUntilFree always makes the next charge succeed', () => {
    const w = new SlidingWindow();
    const rng = new Rng(7);
    let now = T0;
    for (let n = 0; n < 500; n++) {
      now += rng.int(3000);
      if (!w.tryCharge(now, 10)) {
        const wait = w.msUntilFree(now, 10);
        expect(wait).toBeGreaterThan(0);
        expect(w.tryCharge(now + wait - 1, 10)).toBe(false);
        now += wait;
        expect(w.tryCharge(now, 10)).toBe(true);
      }
    }
  });

  it('refund restores capacity and removes only one matching event', () => {
    const w = new SlidingWindow();
    expect(w.tryCharge(T0, 2)).toBe(true);
    expect(w.tryCharge(T0 + 10, 2)).toBe(true);
    expect(w.tryCharge(T0 + 20, 2)).toBe(false);
    expect(w.refund(T0 + 10)).toBe(true);
    expect(w.count(T0 + 20)).toBe(1);
    expect(w.tryCharge(T0 + 20, 2)).toBe(true);
    expect(w.refund(T0 + 5)).toBe(false);
    expect(w.refund(T0 + 10)).toBe(false);
    // Refunding from the middle keeps the rest in order for expiry.
    expect(w.refund(T0)).toBe(true);
    expect(w.count(T0 + 60_019)).toBe(1);
    expect(w.count(T0 + 60_020)).toBe(0);
  });

  it('refunds one of several events with the same timestamp', () => {
    const w = new SlidingWindow();
    w.record(T0);
    w.record(T0);
    w.record(T0);
    expect(w.refund(T0)).toBe(true);
    expect(w.count(T0)).toBe(2);
  });

  it('refunds from the middle of a wrapped ring buffer', () => {
    const w = new SlidingWindow(100);
    // Expiry moves the head, so with at most 15 live events the log wraps around the 16-slot buffer.
    for (let t = 0; t <= 200; t += 10) w.record(t);
    for (let t = 201; t <= 205; t++) w.record(t);
    expect(w.count(205)).toBe(15);
    expect(w.refund(150)).toBe(true);
    expect(w.count(205)).toBe(14);
    expect(w.count(260)).toBe(9);
    expect(w.count(300)).toBe(5);
    expect(w.count(305)).toBe(0);
  });

  it('unlimited mode always charges and still counts', () => {
    const w = new SlidingWindow();
    for (let n = 0; n < 1000; n++) expect(w.tryCharge(T0 + n, null)).toBe(true);
    expect(w.count(T0 + 1000)).toBe(1000);
    expect(w.count(T0 + 60_500)).toBe(499);
  });

  it('grows beyond its initial capacity and shrinks back after a burst', () => {
    const w = new SlidingWindow();
    for (let n = 0; n < 100_000; n++) w.record(T0 + n / 10);
    expect(w.count(T0 + 10_000)).toBe(100_000);
    expect(w.count(T0 + 69_999)).toBe(9);
    expect(w.count(T0 + 70_000)).toBe(0);
    for (let n = 0; n < 40; n++) expect(w.tryCharge(T0 + 70_000 + n, 40)).toBe(true);
    expect(w.tryCharge(T0 + 70_100, 40)).toBe(false);
  });

  it('stays exact when a timestamp goes backwards', () => {
    const w = new SlidingWindow(1000);
    w.record(100);
    w.record(500);
    w.record(300);
    expect(w.count(1100)).toBe(2);
    expect(w.count(1300)).toBe(1);
    expect(w.count(1500)).toBe(0);
  });

  it('never admits more than the limit in any 60 s window (brute force)', () => {
    for (const seed of [1, 2, 3, 4]) {
      const rng = new Rng(seed);
      const w = new SlidingWindow();
      const limit = 1 + rng.int(50);
      const charged: number[] = [];
      let now = T0;
      for (let n = 0; n < 4000; n++) {
        // Bursts of same-millisecond attempts mixed with gaps up to a few seconds.
        now += rng.chance(0.3) ? 0 : rng.int(rng.chance(0.1) ? 20_000 : 2_000);
        if (w.tryCharge(now, limit)) charged.push(now);
        if (charged.length > 0 && rng.chance(0.05)) {
          const last = charged[charged.length - 1]!;
          expect(w.refund(last)).toBe(true);
          charged.pop();
        }
        if (rng.chance(0.02)) w.count(now);
      }
      expect(charged.length).toBeGreaterThan(limit);
      for (let a = 0; a < charged.length; a++) {
        let inWindow = 0;
        for (let b = a; b < charged.length && charged[b]! - charged[a]! < 60_000; b++) inWindow++;
        expect(inWindow).toBeLessThanOrEqual(limit);
      }
      // And it is not over-strict: whenever a charge was refused, the window really held `limit` events.
      const replay = new SlidingWindow();
      for (const t of charged) replay.record(t);
      expect(replay.count(now)).toBe(w.count(now));
    }
  });

  it('matches a naive timestamp list on random operations', () => {
    const rng = new Rng(99);
    const w = new SlidingWindow(5_000);
    let naive: number[] = [];
    let now = 0;
    for (let n = 0; n < 20_000; n++) {
      now += rng.int(200);
      naive = naive.filter((t) => now - t < 5_000);
      const live = () => naive.filter((t) => now - t < 5_000).length;
      const op = rng.int(10);
      if (op < 6) {
        const limit = rng.chance(0.1) ? null : 1 + rng.int(40);
        const ok = limit === null || live() < limit;
        expect(w.tryCharge(now, limit)).toBe(ok);
        if (ok) naive.push(now);
      } else if (op < 7 && naive.length > 0) {
        const at = rng.pick(naive);
        expect(w.refund(at)).toBe(true);
        naive.splice(naive.lastIndexOf(at), 1);
      } else {
        expect(w.count(now)).toBe(live());
      }
    }
  });

  it('rejects a non-positive window', () => {
    expect(() => new SlidingWindow(0)).toThrow(RangeError);
  });
});

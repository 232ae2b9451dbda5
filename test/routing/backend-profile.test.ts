import { describe, expect, it } from 'vitest';
import { knownCapacity, type ProfileInput, resolveProfiles } from '../../src/routing/backend-profile.ts';

const input = (over: Partial<ProfileInput> = {}): ProfileInput => ({
  capacity: null,
  capacitySource: null,
  capacityFloor: 0,
  queuedAtFloor: false,
  firstTokenMs: null,
  decodeMs: null,
  engineTokenRate: null,
  ...over,
});

describe('resolveProfiles: capacity', () => {
  it("fills an unknown capacity with the peers' median, never below one more than the engine ran", () => {
    const [a, b, c, unknown, busy] = resolveProfiles([
      input({ capacity: 8, capacitySource: 'configured' }),
      input({ capacity: 4, capacitySource: 'learned' }),
      input({ capacity: 64, capacitySource: 'reported' }),
      input({ capacityFloor: 2 }),
      input({ capacityFloor: 10 }),
    ]);
    expect([a, b, c].map((p) => [p!.capacity, p!.capacitySource])).toEqual([
      [8, 'configured'],
      [4, 'learned'],
      [64, 'reported'],
    ]);
    expect(unknown).toMatchObject({ capacity: 8, capacitySource: 'unknown' });
    expect(busy).toMatchObject({ capacity: 11, capacitySource: 'unknown' });
  });

  it('takes the floor itself once the engine was seen queueing there (before it counts as learned)', () => {
    const [p] = resolveProfiles([input({ capacityFloor: 4, queuedAtFloor: true }), input({ capacity: 8 })]);
    expect(p).toMatchObject({ capacity: 4, capacitySource: 'unknown' });
  });

  it('never assumes zero slots: with nothing known, the most any candidate was seen running, at least 1', () => {
    expect(resolveProfiles([input(), input()]).map((p) => p.capacity)).toEqual([1, 1]);
    expect(resolveProfiles([input({ capacityFloor: 6 }), input()]).map((p) => p.capacity)).toEqual([7, 6]);
  });

  it('lets what the engine was seen running override an out-of-date configured value', () => {
    const [p] = resolveProfiles([input({ capacity: 4, capacitySource: 'configured', capacityFloor: 9 })]);
    expect(p).toMatchObject({ capacity: 9, capacitySource: 'configured' });
  });
});

describe('resolveProfiles: speed', () => {
  it("takes an unknown speed at the peers' median, and relative speed against it", () => {
    const [fast, slow, third, unknown] = resolveProfiles([
      input({ firstTokenMs: 60, decodeMs: 740 }),
      input({ firstTokenMs: 180, decodeMs: 2220 }),
      input({ firstTokenMs: 70, decodeMs: 930 }),
      input(),
    ]);
    expect(unknown).toMatchObject({ firstTokenMs: 70, serviceMs: 1000, speedSource: 'unknown' });
    expect(fast).toMatchObject({ serviceMs: 800, speedSource: 'learned', relativeSpeed: 1000 / 800 });
    expect(slow!.relativeSpeed).toBeCloseTo(1000 / 2400);
    expect(third!.relativeSpeed).toBe(1);
    expect(unknown!.relativeSpeed).toBe(1);
  });

  it('scales what is missing by what is known: first bytes come long before the first request ends', () => {
    const [typical, , slowStart] = resolveProfiles([
      input({ firstTokenMs: 60, decodeMs: 780 }),
      input({ firstTokenMs: 60, decodeMs: 780 }),
      input({ firstTokenMs: 180 }),
    ]);
    expect(typical).toMatchObject({ serviceMs: 840 });
    // Three times the first-token time: decoding taken three times as long too.
    expect(slowStart).toMatchObject({ firstTokenMs: 180, speedSource: 'learned' });
    expect(slowStart!.serviceMs).toBeCloseTo(180 + 3 * 780);
  });

  it("uses the engine's token rate for a backend not timed yet (a cold start)", () => {
    const [a, b, slow, hosted] = resolveProfiles([
      input({ engineTokenRate: 50 }),
      input({ engineTokenRate: 50 }),
      input({ engineTokenRate: 16 }),
      input(),
    ]);
    // Nothing timed anywhere: 1 ms to first token, scaled by the rates.
    expect(a).toMatchObject({ firstTokenMs: 1, speedSource: 'reported' });
    expect(b).toMatchObject({ firstTokenMs: 1, speedSource: 'reported' });
    expect(slow).toMatchObject({ firstTokenMs: 50 / 16, speedSource: 'reported' });
    expect(hosted).toMatchObject({ firstTokenMs: 1, speedSource: 'unknown' });
    const [, withPeers] = resolveProfiles([
      input({ firstTokenMs: 60, decodeMs: 780, engineTokenRate: 50 }),
      input({ engineTokenRate: 16.5 }),
    ]);
    expect(withPeers!.serviceMs).toBeCloseTo((60 + 780) * (50 / 16.5));
  });

  it('with no speed known anywhere, 1 ms to first token and no decoding (a count of requests); never below 1 ms', () => {
    expect(resolveProfiles([input(), input()])[0]).toMatchObject({ firstTokenMs: 1, serviceMs: 1 });
    expect(resolveProfiles([input({ firstTokenMs: 0, decodeMs: 0 })])[0]).toMatchObject({
      firstTokenMs: 1,
      serviceMs: 1,
    });
  });
});

describe('knownCapacity', () => {
  it('prefers max_num_seqs from the backend entry to what was learned', () => {
    expect(knownCapacity(16, { capacity: 8, source: 'learned' })).toEqual({
      capacity: 16,
      capacitySource: 'configured',
    });
    expect(knownCapacity(null, { capacity: 8, source: 'reported' })).toEqual({
      capacity: 8,
      capacitySource: 'reported',
    });
    expect(knownCapacity(null, null)).toEqual({ capacity: null, capacitySource: null });
  });
});

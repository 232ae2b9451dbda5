import { describe, expect, it } from 'vitest';
import { knownCapacity, type ProfileInput, resolveProfiles } from '../../src/routing/backend-profile.ts';

const input = (over: Partial<ProfileInput> = {}): ProfileInput => ({
  capacity: null,
  capacitySource: null,
  capacityFloor: 0,
  firstTokenMs: null,
  serviceMs: null,
  ...over,
});

describe('resolveProfiles', () => {
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

  it('never assumes zero slots: with nothing known, the most any candidate was seen running, at least 1', () => {
    expect(resolveProfiles([input(), input()]).map((p) => p.capacity)).toEqual([1, 1]);
    expect(resolveProfiles([input({ capacityFloor: 6 }), input()]).map((p) => p.capacity)).toEqual([7, 6]);
  });

  it('lets what the engine was seen running override an out-of-date configured value', () => {
    const [p] = resolveProfiles([input({ capacity: 4, capacitySource: 'configured', capacityFloor: 9 })]);
    expect(p).toMatchObject({ capacity: 9, capacitySource: 'configured' });
  });

  it("takes an unknown speed at the peers' median, and relative speed against it", () => {
    const [fast, slow, third, unknown] = resolveProfiles([
      input({ firstTokenMs: 60, serviceMs: 800 }),
      input({ firstTokenMs: 180, serviceMs: 2400 }),
      input({ firstTokenMs: 70, serviceMs: 1000 }),
      input(),
    ]);
    expect(unknown).toMatchObject({ firstTokenMs: 70, serviceMs: 1000, speedSource: 'unknown' });
    expect(fast).toMatchObject({ speedSource: 'learned', relativeSpeed: 1000 / 800 });
    expect(slow!.relativeSpeed).toBeCloseTo(1000 / 2400);
    expect(third!.relativeSpeed).toBe(1);
    expect(unknown!.relativeSpeed).toBe(1);
  });

  it('with no speed known anywhere, 1 ms each (a count of requests), and never below 1 ms', () => {
    expect(resolveProfiles([input(), input()])[0]).toMatchObject({ firstTokenMs: 1, serviceMs: 1 });
    expect(resolveProfiles([input({ firstTokenMs: 0, serviceMs: 0 })])[0]).toMatchObject({
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

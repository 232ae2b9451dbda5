import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../src/core/random.ts';
import { HashRing } from '../../src/routing/hash-ring.ts';
import { PrefixIndex } from '../../src/routing/prefix-index.ts';

/** A chain of `length` blocks for group `group` (distinct groups share nothing). */
const chain = (group: number, length: number) => Array.from({ length }, (_, k) => group * 10_000 + k);

describe('PrefixIndex', () => {
  it('reports each candidate its longest cached prefix in blocks', () => {
    const index = new PrefixIndex(1000);
    index.record(chain(1, 10), 'a');
    index.record(chain(1, 4), 'b');
    index.record([...chain(1, 6), 99, 98], 'c');
    expect(index.match(chain(1, 10), ['a', 'b', 'c', 'd'])).toEqual([10, 4, 6, 0]);
    expect(index.match(chain(2, 10), ['a', 'b'])).toEqual([0, 0]);
    // Longer than anything recorded: a's 10 blocks, no more.
    expect(index.match(chain(1, 20), ['a'])).toEqual([10]);
    expect(index.size).toBe(10 + 4 + 8);
    // Recording again refreshes, it does not duplicate.
    index.record(chain(1, 10), 'a');
    expect(index.size).toBe(22);
  });

  it('never holds more than its capacity: a backend evicts its own least recently used tail first', () => {
    const index = new PrefixIndex(40);
    index.record(chain(1, 10), 'a');
    index.record(chain(1, 10), 'b');
    index.record(chain(2, 10), 'a');
    index.record(chain(2, 10), 'b');
    expect(index.size).toBe(40);
    // a records a third prefix: at its fair share (20 of 40), it evicts its own oldest blocks, the tail of
    // group 1 first (the head of a prefix outlives its tail, as in vLLM).
    index.record(chain(3, 6), 'a');
    expect(index.size).toBe(40);
    expect(index.match(chain(1, 10), ['a', 'b'])).toEqual([4, 10]);
    expect(index.match(chain(2, 10), ['a'])).toEqual([10]);
    expect(index.match(chain(3, 6), ['a'])).toEqual([6]);
    // A long replay of unrelated prompts stays within the cap.
    const random = createSeededRandom(5);
    for (let i = 0; i < 2000; i++) {
      index.record(chain(100 + Math.floor(random() * 500), 1 + Math.floor(random() * 30)), `x${i % 7}`);
      expect(index.size).toBeLessThanOrEqual(40);
    }
  });

  it('takes room from the backend holding the most when the recording one is under its share', () => {
    const index = new PrefixIndex(30);
    index.record(chain(1, 30), 'a');
    index.record(chain(2, 10), 'b');
    // b is under its fair share (15): a, holding 30, gives up its oldest blocks (the tail of its prefix).
    expect(index.countOf('a')).toBe(20);
    expect(index.countOf('b')).toBe(10);
    expect(index.match(chain(1, 30), ['a'])).toEqual([20]);
  });

  it('forgets everything a backend holds, and only that', () => {
    const index = new PrefixIndex(1000);
    index.record(chain(1, 8), 'a');
    index.record(chain(1, 8), 'b');
    index.forget('a');
    expect(index.match(chain(1, 8), ['a', 'b'])).toEqual([0, 8]);
    expect(index.size).toBe(8);
    expect(index.backends).toBe(1);
    index.forget('never-seen');
    // Its slot is reused without mixing histories.
    index.record(chain(2, 3), 'c');
    expect(index.match(chain(1, 8), ['c'])).toEqual([0]);
    expect(index.match(chain(2, 3), ['c', 'b'])).toEqual([3, 0]);
  });

  it('shrinks to a smaller cap at once, and counts its memory', () => {
    const index = new PrefixIndex(10_000);
    for (let g = 0; g < 50; g++) index.record(chain(g, 100), `b${g % 4}`);
    expect(index.size).toBe(5000);
    const bytes = index.bytes();
    expect(bytes).toBeGreaterThan(5000 * 20);
    index.resize(1000);
    expect(index.size).toBe(1000);
    expect(index.capacity).toBe(1000);
  });
});

describe('HashRing', () => {
  const members = (ids: string[]) => ids.map((id) => ({ id, weight: 1 }));
  const owner = (ring: HashRing, key: number) => ring.walk(key, () => true);

  it("a backend's removal moves only the sessions it owned; an addition takes only its own", () => {
    const ids = ['m@a', 'm@b', 'm@c', 'm@d', 'm@e'];
    const full = new HashRing(members(ids));
    const without = new HashRing(members(ids.filter((id) => id !== 'm@c')));
    const random = createSeededRandom(9);
    const keys = Array.from({ length: 5000 }, () => Math.floor(random() * 2 ** 30));
    let moved = 0;
    const counts = new Map<string, number>();
    for (const key of keys) {
      const before = owner(full, key)!;
      const after = owner(without, key)!;
      counts.set(before, (counts.get(before) ?? 0) + 1);
      if (before !== 'm@c') expect(after).toBe(before);
      else moved++;
    }
    expect(moved).toBe(counts.get('m@c'));
    // Spread: every backend owns a share near 1/5.
    for (const id of ids) expect((counts.get(id) ?? 0) / keys.length).toBeGreaterThan(0.12);
  });

  it('walks clockwise past refused members, each once, and weights the shares', () => {
    const ring = new HashRing([
      { id: 'x', weight: 1 },
      { id: 'y', weight: 3 },
    ]);
    const seen: string[] = [];
    const refuse = (id: string) => {
      seen.push(id);
      return false;
    };
    expect(ring.walk(12345, refuse)).toBeNull();
    expect(seen.sort()).toEqual(['x', 'y']);
    const random = createSeededRandom(2);
    let heavy = 0;
    for (let i = 0; i < 4000; i++) if (owner(ring, Math.floor(random() * 2 ** 30)) === 'y') heavy++;
    expect(heavy / 4000).toBeGreaterThan(0.65);
    expect(
      ring.matches([
        { id: 'x', weight: 1 },
        { id: 'y', weight: 3 },
      ]),
    ).toBe(true);
    expect(
      ring.matches([
        { id: 'x', weight: 1 },
        { id: 'y', weight: 2 },
      ]),
    ).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { degradedShare } from '../../adapters/node/degraded-share.ts';
import { createSeededRandom } from '../../src/index.ts';

describe('degradedShare: each replica alone keeps the sum within the limit', () => {
  it('whatever the use before the outage, own use capped at max(before, share) sums to at most the limit', () => {
    const random = createSeededRandom(15);
    for (let run = 0; run < 2000; run++) {
      const limit = 1 + Math.floor(random() * 50);
      const replicas = 1 + Math.floor(random() * 5);
      // Use per replica when the store went away, within the limit in total (the store saw to that).
      const before: number[] = [];
      let left = limit;
      for (let i = 0; i < replicas; i++) {
        const used = Math.floor(random() * (left + 1));
        before.push(used);
        left -= used;
      }
      const total = before.reduce((sum, used) => sum + used, 0);
      // Each replica saw the others' use exactly (its last call came just before the outage).
      const after = before.map((own) => Math.max(own, degradedShare(limit, replicas, total - own)));
      expect(after.reduce((sum, used) => sum + used, 0)).toBeLessThanOrEqual(limit);
    }
  });

  it('splits a limit evenly once the others are no longer counted, and gives 0 below the replica count', () => {
    expect(degradedShare(10, 2, 0)).toBe(5);
    expect(degradedShare(10, 3, 0)).toBe(3);
    expect(degradedShare(1, 2, 0)).toBe(0);
    expect(degradedShare(10, 2, 12)).toBe(0);
  });
});

import { createSeededRandom, type Random } from '../../src/index.ts';

export type { Random };

/** Independent seeded streams derived from one `--seed` (so e.g. the oracle's ties never shift arrivals). */
export function stream(seed: number, salt: number): Random {
  return createSeededRandom((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(salt + 1, 0x85ebca6b)) >>> 0);
}

/** Exponential variate with the given mean. */
export function exponential(random: Random, mean: number): number {
  return -Math.log(1 - random()) * mean;
}

/** Integer uniform in [lo, hi]. */
export function uniformInt(random: Random, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}

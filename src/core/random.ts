/** Uniform source in [0, 1); injected so routing distributions are testable with a seed. */
export type Random = () => number;

export const systemRandom: Random = Math.random;

/** mulberry32: tiny, fast, good enough for load-balancing draws and reproducible tests. */
export function createSeededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

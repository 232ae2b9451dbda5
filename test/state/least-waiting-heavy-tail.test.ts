import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../src/core/random.ts';
import { MemoryRouterState } from '../../src/state/memory-router-state.ts';
import { policyOf } from '../support/state-policy.ts';

/**
 * Two equal backends, the same heavy-tailed mix of generation lengths on both (90 % take 1 s, 10 % take
 * 20 s), a closed loop of 4 clients, in virtual time. Speed awareness must not read a few long generations
 * as a slow backend and shift a minute's traffic to one side or starve the other.
 */
describe('least-waiting on equal backends with heavy-tailed request lengths', () => {
  it('keeps every minute near an even split and never leaves a backend unpicked for long', () => {
    const state = new MemoryRouterState(createSeededRandom(3));
    const ids = ['a', 'b'];
    state.register(
      'm',
      ids.map((id) => ({ id, healthy: true })),
    );
    const candidates = ids.map((id) => ({
      id,
      weight: 1,
      rpmLimit: null,
      maxConcurrency: null,
      maxNumSeqs: null,
    }));
    const lengths = createSeededRandom(11);
    // The 4 clients' open requests: [end, backend, start].
    const open: [number, string, number][] = [];
    const picks: [number, string][] = [];
    const send = (now: number) => {
      const acquired = state.acquire({
        model: 'm',
        candidates,
        tried: [],
        now,
        policy: policyOf({ strategy: 'least-waiting', staleAfterMs: 3000 }),
      });
      if (acquired.kind !== 'acquired') throw new Error(acquired.kind);
      picks.push([now, acquired.id]);
      open.push([now + (lengths() < 0.9 ? 1000 : 20_000), acquired.id, now]);
    };
    for (let c = 0; c < 4; c++) send(0);
    const endMs = 600_000;
    while (true) {
      open.sort((x, y) => x[0] - y[0]);
      const [at, id, start] = open.shift()!;
      if (at > endMs) break;
      state.release({
        model: 'm',
        id,
        now: at,
        outcome: 'success',
        chargedAt: at,
        latencyMs: at - start,
        ttftMs: null,
        sawFirstByte: true,
        policy: policyOf(),
      });
      send(at);
    }

    const shares: number[] = [];
    for (let minute = 0; minute < endMs / 60_000; minute++) {
      const inMinute = picks.filter(([t]) => t >= minute * 60_000 && t < (minute + 1) * 60_000);
      shares.push(inMinute.filter(([, id]) => id === 'a').length / inMinute.length);
    }
    let longestGap = 0;
    for (const id of ids) {
      let last = 0;
      for (const [t, pid] of picks) {
        if (pid !== id) continue;
        longestGap = Math.max(longestGap, t - last);
        last = t;
      }
    }
    // least-connections on the same trace: every backend between 26 % and 74 % of each minute, longest
    // gap 19 s (requests pinned by long generations legitimately send the others elsewhere). A moving
    // average of the durations gave 14-86 % and 31 s; a median over 30 s, 9 % and 29 s. Which backend
    // takes the busier minutes depends on the first tie, so the bound holds for both.
    const leastShare = Math.min(...shares.map((a) => Math.min(a, 1 - a)));
    expect(leastShare).toBeGreaterThan(0.25);
    expect(longestGap).toBeLessThan(25_000);
  });
});

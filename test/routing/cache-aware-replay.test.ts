import { describe, expect, it } from 'vitest';
import { hitRate, prefixRow, runPrefixVirtual } from '../../bench/routing/prefix-virtual.ts';

/**
 * bench/routing's shared-prefix scenario in virtual time at a small size (1 seed x 90 s, a few seconds of
 * CPU): the router's real state, strategy and body hashing against a model of sims that cache prefixes.
 * The regression check for issue 17's ratios; `npm run bench:routing` runs it at full size beside the live
 * runs.
 */
describe('bench/routing shared-prefix replay (1 seed x 90 s)', () => {
  it('cache-aware halves least-waiting’s median TTFT, beats its p99, and stays within 1.3x of the oracle', async () => {
    const [shared] = await runPrefixVirtual({
      seeds: 1,
      durationS: 90,
      load: 0.9,
      collectIntervalS: 1,
      scenarios: ['shared-prefix'],
      rows: ['least-waiting', 'cache-aware', 'oracle'],
    });
    const row = (name: string) => prefixRow([shared!], 'shared-prefix', name)!;
    const ca = row('cache-aware');
    const lw = row('least-waiting');
    const oracle = row('oracle');
    expect(ca.pooled.ttft.p50 / lw.pooled.ttft.p50).toBeLessThanOrEqual(0.5);
    expect(ca.pooled.ttft.p99).toBeLessThanOrEqual(lw.pooled.ttft.p99);
    expect(ca.pooled.ttft.p99 / oracle.pooled.ttft.p99).toBeLessThanOrEqual(1.3);
    // It gets there by cache hits, and without hotspots.
    expect(hitRate(ca.stats)).toBeGreaterThan(hitRate(lw.stats) + 0.15);
    expect(ca.stats.hotspotArrivals / ca.stats.arrivals).toBeLessThan(0.01);
    expect(ca.stats.indexEntries).toBeLessThanOrEqual(ca.stats.indexCapacity);
  });
});

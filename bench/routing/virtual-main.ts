/**
 * Virtual-time replay on its own, for comparing router checkouts without the noise of a shared machine:
 *
 *   npx tsx bench/routing/virtual-main.ts [--seeds 10] [--duration 300] [--load 0.8] [--collect-interval 1]
 *        [--scrape-delay 2] [--dispatchers oracle,ideal,least-waiting] [--fleets heterogeneous,independent]
 *        [--roots current,patched=/tmp/copy]  (label=DIR; `current` = this checkout)
 */
import { parseArgs } from 'node:util';
import { DISPATCHERS, type Dispatch } from './dispatchers.ts';
import { FLEET_NAMES, type FleetName } from './fleet-spec.ts';
import { printVirtual, runVirtual, type VirtualSettings } from './virtual-report.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '10' },
    duration: { type: 'string', default: '300' },
    load: { type: 'string', default: '0.8' },
    'collect-interval': { type: 'string', default: '1' },
    'scrape-delay': { type: 'string', default: '2' },
    dispatchers: { type: 'string', default: DISPATCHERS.join(',') },
    fleets: { type: 'string', default: FLEET_NAMES.join(',') },
    roots: { type: 'string', default: 'current' },
  },
  strict: true,
});

const positive = (name: string, raw: string): number => {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`--${name} must be > 0 (got ${raw})`);
  return value;
};
function listOf<T extends string>(raw: string, allowed: readonly T[], name: string): T[] {
  return raw.split(',').map((item) => {
    if (!(allowed as readonly string[]).includes(item)) throw new RangeError(`--${name}: unknown "${item}"`);
    return item as T;
  });
}
const dispatchers = listOf<Dispatch>(values.dispatchers, DISPATCHERS, 'dispatchers');
const settings: VirtualSettings = {
  seeds: Math.trunc(positive('seeds', values.seeds)),
  durationS: positive('duration', values.duration),
  load: positive('load', values.load),
  collectIntervalS: positive('collect-interval', values['collect-interval']),
  scrapeDelayMs: Number(values['scrape-delay']),
  // The ratios are to these two.
  dispatchers: DISPATCHERS.filter((d) => d === 'oracle' || d === 'ideal' || dispatchers.includes(d)),
  fleets: listOf<FleetName>(values.fleets, FLEET_NAMES, 'fleets'),
  roots: values.roots.split(',').map((item) => {
    // `label=DIR`, or a bare DIR; `current` (as DIR) is this checkout.
    const eq = item.indexOf('=');
    const label = eq < 0 ? item : item.slice(0, eq);
    const dir = eq < 0 ? item : item.slice(eq + 1);
    return { label, root: dir === 'current' ? null : dir };
  }),
};
printVirtual(await runVirtual(settings), settings);

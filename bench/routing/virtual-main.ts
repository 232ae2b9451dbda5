/**
 * Virtual-time replay on its own, for comparing router checkouts without the noise of a shared machine:
 *
 *   npx tsx bench/routing/virtual-main.ts [--seeds 10] [--duration 300] [--load 0.8] [--collect-interval 0.5]
 *        [--scrape-delay 2] [--dispatchers oracle,ideal,least-waiting] [--roots current,patched=/tmp/copy]  (label=DIR; `current` = this checkout)
 */
import { parseArgs } from 'node:util';
import { heterogeneousFleet } from './fleet-spec.ts';
import { ORACLES } from './oracle.ts';
import { STRATEGIES } from './router-config.ts';
import type { Dispatch } from './scenario.ts';
import { printVirtual, runVirtual, type VirtualSettings } from './virtual-report.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '10' },
    duration: { type: 'string', default: '300' },
    load: { type: 'string', default: '0.8' },
    'collect-interval': { type: 'string', default: '0.5' },
    'scrape-delay': { type: 'string', default: '2' },
    dispatchers: { type: 'string', default: [...ORACLES, ...STRATEGIES].join(',') },
    roots: { type: 'string', default: 'current' },
  },
  strict: true,
});

const positive = (name: string, raw: string): number => {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`--${name} must be > 0 (got ${raw})`);
  return value;
};
const allowed: readonly Dispatch[] = [...ORACLES, ...STRATEGIES];
const dispatchers = values.dispatchers.split(',').map((name) => {
  if (!(allowed as readonly string[]).includes(name))
    throw new RangeError(`--dispatchers: unknown "${name}"`);
  return name as Dispatch;
});
const settings: VirtualSettings = {
  seeds: Math.trunc(positive('seeds', values.seeds)),
  durationS: positive('duration', values.duration),
  load: positive('load', values.load),
  collectIntervalS: positive('collect-interval', values['collect-interval']),
  scrapeDelayMs: Number(values['scrape-delay']),
  dispatchers: dispatchers.includes('oracle') ? dispatchers : ['oracle', ...dispatchers],
  roots: values.roots.split(',').map((item) => {
    // `label=DIR`, or a bare DIR; `current` (as DIR) is this checkout.
    const eq = item.indexOf('=');
    const label = eq < 0 ? item : item.slice(0, eq);
    const dir = eq < 0 ? item : item.slice(eq + 1);
    return { label, root: dir === 'current' ? null : dir };
  }),
};
const result = await runVirtual(settings);
printVirtual(
  result,
  settings,
  heterogeneousFleet().map((spec) => spec.name),
);

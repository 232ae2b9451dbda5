import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DISPATCHERS, type Dispatch } from './dispatchers.ts';

export const SCENARIOS = [
  'poisson',
  'no-metrics',
  'burst',
  'bypass',
  'independent',
  'homogeneous',
  'shared-prefix',
  'virtual',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface Flags {
  readonly durationS: number;
  readonly load: number;
  readonly seed: number;
  readonly collectInterval: number;
  readonly sideDurationS: number;
  readonly burst: number;
  readonly burstWindowMs: number;
  readonly drainTimeoutS: number;
  readonly dispatchers: Dispatch[];
  readonly scenarios: Scenario[];
  readonly routerRoot: string | null;
  readonly virtualSeeds: number;
  readonly virtualDurationS: number;
  /** shared-prefix: arrival rate as a fraction of the fleet's all-miss capacity; virtual seeds. */
  readonly prefixLoad: number;
  readonly prefixSeeds: number;
}

const USAGE = `usage: npx tsx bench/routing.ts [options]
  --duration S          heterogeneous Poisson run length per dispatcher (default 30)
  --load F              arrival rate as a fraction of the measured fleet capacity (default 0.8)
  --seed N              seeds arrivals, sizes, the oracle's ties and the routers' Random (default 1)
  --collect-interval S  router monitor.collect_interval (default 1, as the shipped config.yaml)
  --side-duration S     length of each side scenario run (no-metrics, bypass, fleets; default 20)
  --burst N             burst size (default 500)
  --burst-window MS     burst spread (default 100)
  --drain-timeout S     after the last arrival, abort what is still open after this long (default 60)
  --dispatchers LIST    subset of ${DISPATCHERS.join(',')}
  --scenarios LIST      subset of ${SCENARIOS.join(',')}
  --router-root DIR     benchmark the router of another checkout (a patched copy)
  --virtual-seeds N     virtual-time replay: seeds (default 10)
  --virtual-duration S  virtual-time replay: length per seed (default 300)
  --prefix-load F       shared-prefix: arrival rate as a fraction of the fleet's capacity when every
                        prefill misses (default 0.9)
  --prefix-seeds N      shared-prefix virtual replay: seeds (default 5)
`;

function listOf<T extends string>(raw: string, allowed: readonly T[], name: string): T[] {
  const items = raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) throw new RangeError(`--${name}: unknown "${item}"`);
  }
  return allowed.filter((item) => items.includes(item));
}

/** The command line of bench/routing.ts; `--help` prints the usage and exits. */
export function parseRoutingFlags(): Flags {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '30' },
      load: { type: 'string', default: '0.8' },
      seed: { type: 'string', default: '1' },
      'collect-interval': { type: 'string', default: '1' },
      'side-duration': { type: 'string', default: '20' },
      burst: { type: 'string', default: '500' },
      'burst-window': { type: 'string', default: '100' },
      'drain-timeout': { type: 'string', default: '60' },
      dispatchers: { type: 'string', default: DISPATCHERS.join(',') },
      scenarios: { type: 'string', default: SCENARIOS.join(',') },
      'router-root': { type: 'string' },
      'virtual-seeds': { type: 'string', default: '10' },
      'virtual-duration': { type: 'string', default: '300' },
      'prefix-load': { type: 'string', default: '0.9' },
      'prefix-seeds': { type: 'string', default: '5' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const num = (name: string, raw: string, min: number, max: number): number => {
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) {
      throw new RangeError(`--${name} must be a number in [${min}, ${max}] (got ${raw})`);
    }
    return value;
  };
  return {
    durationS: num('duration', values.duration, 1, 3600),
    load: num('load', values.load, 0.01, 2),
    seed: Math.trunc(num('seed', values.seed, 0, 2 ** 32 - 1)),
    collectInterval: num('collect-interval', values['collect-interval'], 0.05, 60),
    sideDurationS: num('side-duration', values['side-duration'], 1, 3600),
    burst: Math.trunc(num('burst', values.burst, 1, 20_000)),
    burstWindowMs: num('burst-window', values['burst-window'], 0, 60_000),
    drainTimeoutS: num('drain-timeout', values['drain-timeout'], 1, 3600),
    dispatchers: listOf(values.dispatchers, DISPATCHERS, 'dispatchers'),
    scenarios: listOf(values.scenarios, SCENARIOS, 'scenarios'),
    routerRoot: values['router-root'] === undefined ? null : resolve(values['router-root']),
    virtualSeeds: Math.trunc(num('virtual-seeds', values['virtual-seeds'], 1, 1000)),
    virtualDurationS: num('virtual-duration', values['virtual-duration'], 1, 36_000),
    prefixLoad: num('prefix-load', values['prefix-load'], 0.01, 3),
    prefixSeeds: Math.trunc(num('prefix-seeds', values['prefix-seeds'], 1, 1000)),
  };
}

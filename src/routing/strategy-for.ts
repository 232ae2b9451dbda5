import type { StrategyName } from '../config/main-config-schema.ts';
import { leastConnections } from './least-connections.ts';
import { leastWaiting } from './least-waiting.ts';
import { simpleShuffle } from './simple-shuffle.ts';
import type { Strategy } from './strategy.ts';

/**
 * The strategy of a config name. `cache-aware` chooses by affinity inside the state first (its prefix
 * index lives there: AffinityState); what it hands over here, with nothing useful cached within its load
 * margin or no affinity at all, is least-waiting's.
 */
export function strategyFor(name: StrategyName): Strategy {
  switch (name) {
    case 'simple-shuffle':
      return simpleShuffle;
    case 'least-connections':
      return leastConnections;
    case 'least-waiting':
    case 'cache-aware':
      return leastWaiting;
  }
}

import type { StrategyName } from '../config/main-config-schema.ts';
import { leastConnections } from './least-connections.ts';
import { leastWaiting } from './least-waiting.ts';
import { simpleShuffle } from './simple-shuffle.ts';
import type { Strategy } from './strategy.ts';

export function strategyFor(name: StrategyName): Strategy {
  switch (name) {
    case 'simple-shuffle':
      return simpleShuffle;
    case 'least-connections':
      return leastConnections;
    case 'least-waiting':
      return leastWaiting;
  }
}

import type { StrategyName } from '../../src/index.ts';
import { ORACLES, type OracleKind } from './oracle.ts';

export type { StrategyName };

/** Who decides where a request goes: a reference hosted in the benchmark (oracle.ts) or a router strategy. */
export type Dispatch = OracleKind | StrategyName;

export const STRATEGIES: readonly StrategyName[] = [
  'simple-shuffle',
  'least-connections',
  'least-waiting',
  'cache-aware',
];
export const DISPATCHERS: readonly Dispatch[] = [...ORACLES, ...STRATEGIES];

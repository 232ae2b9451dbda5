import {
  type Logger,
  type MainConfig,
  MemoryRouterState,
  type Random,
  type RouterState,
} from '../../src/index.ts';

/** The router's state as configured (state.store), and how to let go of it at shutdown. */
export interface StateStore {
  readonly state: RouterState;
  close(): Promise<void>;
}

/** state.store: `memory` keeps the state in this process. */
export function openStateStore(_config: MainConfig, random: Random, _log: Logger): StateStore {
  return { state: new MemoryRouterState(random), close: async () => {} };
}

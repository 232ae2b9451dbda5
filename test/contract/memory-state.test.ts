import { createSeededRandom, MemoryRouterState } from '../../src/index.ts';
import { runRouterStateContract } from './router-state-contract.ts';

runRouterStateContract('MemoryRouterState (Node)', async () => ({
  fresh: async () => new MemoryRouterState(createSeededRandom(7)),
  close: async () => {},
}));

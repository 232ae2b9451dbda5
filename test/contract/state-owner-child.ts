import { isOurs, type WorkerMessage } from '../../adapters/node/cluster-messages.ts';
import { StateOwner } from '../../adapters/node/state-owner.ts';
import { silentLogger } from '../../src/core/logger.ts';
import {
  createSeededRandom,
  MemoryRouterState,
  parseMainConfig,
  statePolicyFrom,
  systemClock,
} from '../../src/index.ts';

/**
 * The cluster primary's state side alone, in its own process, for the RouterState contract: answers
 * `state` messages from its parent the way cluster-primary.ts answers a worker's.
 */
const owner = new StateOwner(new MemoryRouterState(createSeededRandom(11)), {
  clock: systemClock,
  log: silentLogger,
  policy: () => statePolicyFrom(parseMainConfig('{}', 'config.yaml')),
  onTransition: () => {},
  contract: { callerTime: true, registrations: true },
});
process.on('message', async (message: unknown) => {
  if (!isOurs<WorkerMessage>(message) || message.k !== 'state') return;
  const answers = await owner.handle(1, message.calls);
  process.send?.({ t: 'llm-router', k: 'state', answers });
});
process.on('disconnect', () => process.exit(0));
process.send?.({ t: 'llm-router', k: 'hello' });

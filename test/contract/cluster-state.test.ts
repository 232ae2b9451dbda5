import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { IPC_TAG, isOurs, type PrimaryMessage } from '../../adapters/node/cluster-messages.ts';
import { IpcStateChannel } from '../../adapters/node/ipc-state-channel.ts';
import { RemoteRouterState } from '../../src/index.ts';
import { runRouterStateContract } from './router-state-contract.ts';

const CHILD = fileURLToPath(new URL('./state-owner-child.ts', import.meta.url));

/**
 * The multi-process store (server.workers): a worker's RemoteRouterState over IpcStateChannel, and the
 * primary's StateOwner over MemoryRouterState in another process, across a real IPC channel.
 */
runRouterStateContract('cluster workers: IPC to the primary (Node)', async () => {
  const child: ChildProcess = fork(CHILD, [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const channel = new IpcStateChannel((calls) => {
    child.send({ t: IPC_TAG, k: 'state', inflight: 0, calls });
  });
  child.on('message', (message: unknown) => {
    if (isOurs<PrimaryMessage>(message) && message.k === 'state') channel.answer(message.answers);
  });
  await once(child, 'message');
  return {
    fresh: async () =>
      new RemoteRouterState(channel, {
        models: () => [],
        retryDelaysMs: [],
        view: (now) => channel.viewAll(now),
      }),
    close: async () => {
      channel.close('test over');
      child.disconnect();
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
});

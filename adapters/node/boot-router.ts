import {
  type ConfigTexts,
  type CreatedRouter,
  createRouter,
  mainConfigFrom,
  systemClock,
  systemRandom,
} from '../../src/index.ts';
import { createConsoleLogger } from './console-logger.ts';
import { readConfigTexts } from './load-config.ts';
import {
  type NodeRuntime,
  type NodeRuntimeOptions,
  type NodeTransport,
  nodeRuntime,
} from './node-runtime.ts';
import type { StartRouterOptions } from './start-router.ts';
import { forwardingLogger, openStateStore, type StateStore } from './state-store.ts';

export interface BootedRouter extends CreatedRouter<NodeTransport> {
  /** The config files as read at start. */
  readonly texts: ConfigTexts;
  readonly store: StateStore;
  readonly node: NodeRuntime;
}

/**
 * What the one-process router and the cluster supervisor start alike: the config files read, the state
 * store opened (it may log before the router's logger exists), the router built over it. The store is
 * closed again when the router cannot be built.
 */
export async function bootRouter(
  options: StartRouterOptions,
  runtime: Omit<NodeRuntimeOptions, 'state' | 'configPath'> = {},
): Promise<BootedRouter> {
  const early = options.log ?? createConsoleLogger({ level: options.logLevel ?? 'info' });
  const texts = await readConfigTexts(options.configPath, options.enabledSources, (message, fields) =>
    early.warn(message, fields),
  );
  const storeLog = forwardingLogger(early);
  const store = await openStateStore(mainConfigFrom(texts.main, texts.mainFile, options), {
    configPath: options.configPath,
    random: options.random ?? systemRandom,
    clock: options.clock ?? systemClock,
    log: storeLog,
  });
  const node = nodeRuntime({
    configPath: options.configPath,
    ...(options.log ? { log: options.log } : {}),
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.random ? { random: options.random } : {}),
    ...runtime,
    state: () => store.state,
  });
  try {
    const created = await createRouter(texts, node.runtime, options);
    storeLog.target = created.log;
    return { ...created, texts, store, node };
  } catch (error) {
    await store.close();
    throw error;
  }
}

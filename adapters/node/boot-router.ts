import {
  type ConfigTexts,
  type CreatedRouter,
  createRouter,
  mainConfigFrom,
  systemClock,
  systemRandom,
} from '../../src/index.ts';
import type { SimServer } from '../../tools/sim/index.ts';
import { ConfigReloader, type ConfigReloaderOptions } from './config-reloader.ts';
import { createConsoleLogger } from './console-logger.ts';
import { DEMO_SOURCE, startDemoFleet } from './demo-fleet.ts';
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
  /** The `demo` source's simulated engines, started in this process (none without that source). */
  readonly demoFleet: readonly SimServer[];
  /** Give back what booting took: upstream connections, the state store, the demo fleet, the log file. */
  release(): Promise<void>;
  /**
   * The hot reloader of this router's config files, knowing them as read at start (not yet watching:
   * `start()` it once the router serves). `onApplied`: what else a reload must reach (workers).
   */
  reloader(onApplied?: ConfigReloaderOptions['onApplied']): Promise<ConfigReloader>;
}

/**
 * What the one-process router and the cluster supervisor start alike: the config files read, the state
 * store opened (it may log before the router's logger exists), the router built over it, the demo
 * fleet started. The store is closed again when the router cannot be built.
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
  let created: CreatedRouter<NodeTransport>;
  try {
    created = await createRouter(texts, node.runtime, options);
  } catch (error) {
    await store.close();
    throw error;
  }
  storeLog.target = created.log;
  const { router, config, log, transport } = created;
  let demoFleet: readonly SimServer[] = [];
  try {
    if (config.backends.enabled_sources.includes(DEMO_SOURCE))
      demoFleet = await startDemoFleet(router.snapshot.backends, log);
  } catch (error) {
    await transport.destroy();
    await store.close();
    throw error;
  }
  return {
    ...created,
    texts,
    store,
    node,
    demoFleet,
    async reloader(onApplied) {
      const reloader = new ConfigReloader({
        configPath: options.configPath,
        overrides: options,
        router,
        config,
        log,
        onMainConfig: (next) => node.setLevel(next),
        ...(onApplied ? { onApplied } : {}),
        ...options.reload,
      });
      await reloader.remember(created.files);
      return reloader;
    },
    async release() {
      // Every client is gone: what is left upstream is aborted relays and probes/scrapes, which may
      // wait on a hung backend for health_check.timeout. Nothing there is worth holding the exit for.
      await transport.destroy();
      await store.close();
      await Promise.all(demoFleet.map((sim) => sim.close()));
      node.logFile()?.close();
    },
  };
}

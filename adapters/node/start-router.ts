import type { AddressInfo } from 'node:net';
import {
  type Clock,
  ConfigError,
  createApp,
  LlmRouter,
  type Logger,
  MemoryRouterState,
  type Random,
  systemClock,
  systemRandom,
} from '../../src/index.ts';
import type { SimServer } from '../../tools/sim/index.ts';
import { ConfigReloader } from './config-reloader.ts';
import { createConsoleLogger } from './console-logger.ts';
import { DEMO_SOURCE, startDemoFleet } from './demo-fleet.ts';
import {
  backendDirOf,
  type ConfigOverrides,
  listBackendFiles,
  loadBackendFile,
  loadMainConfig,
} from './load-config.ts';
import { createNodeServer } from './node-server.ts';
import { probeAfterEjection } from './probe-after-ejection.ts';
import { PUBLIC_DIR, VERSION } from './project-files.ts';
import { repeatEvery } from './repeat-every.ts';
import { createStaticFiles } from './static-files.ts';
import { createUndiciTransport } from './undici-transport.ts';

export interface StartRouterOptions extends ConfigOverrides {
  readonly configPath: string;
  readonly log?: Logger;
  readonly clock?: Clock;
  readonly random?: Random;
  /** Hot-reload tuning (tests): fs.watch on or off, poll period and debounce in ms. */
  readonly reload?: { readonly watch?: boolean; readonly pollMs?: number; readonly debounceMs?: number };
}

export interface RunningRouter {
  readonly url: string;
  readonly port: number;
  readonly router: LlmRouter;
  readonly demoFleet: readonly SimServer[];
  /** Re-read config.yaml and the backend files now (tests; the watcher does this on change). */
  reload(): Promise<void>;
  /** Stop accepting, let in-flight requests finish up to `graceMs`, abort the rest, release everything. */
  close(graceMs?: number): Promise<void>;
}

/** Composition root of the Node service: config files, transport, state, server, schedules. */
export async function startRouter(options: StartRouterOptions): Promise<RunningRouter> {
  const config = await loadMainConfig(options.configPath, options);
  const consoleLog = createConsoleLogger({ level: config.log.level });
  const log = options.log ?? consoleLog;
  const clock = options.clock ?? systemClock;
  const transport = createUndiciTransport({
    connectTimeoutMs: config.http_client.connect_timeout * 1000,
    headersTimeoutMs: config.http_client.header_timeout * 1000,
    idleTimeoutMs: config.http_client.idle_timeout * 1000,
    requestTimeoutMs: config.http_client.request_timeout * 1000,
    maxConnsPerHost: config.http_client.max_conns_per_host,
    keepAliveTimeoutMs: config.http_client.keep_alive_timeout * 1000,
  });
  const random = options.random ?? systemRandom;
  const router = new LlmRouter({
    config,
    state: new MemoryRouterState(random),
    transport,
    clock,
    random,
    log,
    secrets: (name) => process.env[name],
    configFile: options.configPath,
    systemInfo: () => ({
      memoryMb: Math.round(process.memoryUsage.rss() / 1024 / 102.4) / 10,
      runtime: `node ${process.version}`,
      version: VERSION,
    }),
  });

  const dir = backendDirOf(options.configPath, config);
  // An unreadable directory at startup is not fatal: the router starts empty and a reload picks it up.
  const files = await listBackendFiles(dir, config.backends.enabled_sources).catch((error: unknown) => {
    log.warn('cannot read backend directory', { dir, error: String(error) });
    return [];
  });
  if (files.length === 0)
    log.warn('no backend files found', { dir, enabled_sources: config.backends.enabled_sources.join(',') });
  const loaded = [];
  for (const file of files) loaded.push(await loadBackendFile(file, config));

  const demoFleet = config.backends.enabled_sources.includes(DEMO_SOURCE)
    ? await startDemoFleet(
        loaded.flatMap((file) => file.backends),
        log,
      )
    : [];

  for (const file of loaded) {
    for (const warning of file.warnings) log.warn(warning);
    const change = await router.applyBackendFile(file.path, file.backends, true);
    for (const duplicate of change.duplicates) log.warn('duplicate backend ignored', { backend: duplicate });
  }
  const snapshot = router.pool.snapshot;
  log.info('backends loaded', {
    backends: snapshot.backends.length,
    models: snapshot.models.length,
    files: files.length,
  });

  const app = createApp({
    router,
    log,
    serveStatic: config.dashboard.enabled ? createStaticFiles(PUBLIC_DIR) : undefined,
  });
  const server = createNodeServer({
    router,
    app,
    log,
    requestReadTimeoutMs: config.server.request_read_timeout * 1000,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.server.port, config.server.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.server.host === '0.0.0.0' ? '127.0.0.1' : config.server.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info('llm-router listening', { url, strategy: config.routing.strategy });
  // Go-router keys this service accepts but does not act on: say so once rather than let them look honoured.
  if (config.log.file) log.warn('log.file is not supported: logs go to stderr only');
  if (config.dashboard.web_port !== 0 && config.dashboard.enabled)
    log.info('dashboard.web_port is not used: the dashboard is served on the API port at /dashboard/', {
      web_port: config.dashboard.web_port,
    });

  let firstRound = true;
  const stopHealth = repeatEvery(
    () => router.config.health_check.interval * 1000,
    async () => {
      await router.runHealthRound();
      if (!firstRound) return;
      firstRound = false;
      if (router.config.health_check.prune_unhealthy_on_start) {
        const pruned = await router.pruneUnhealthy();
        if (pruned.length > 0) {
          log.warn('pruned backends that failed the first health check (config files unchanged)', {
            backends: pruned.join(', '),
          });
        }
      }
      log.info('first health round finished', { ready: (await router.readiness()).reason });
    },
    (error) => log.error('health round failed', { error: String(error) }),
  );
  const stopEjectionProbes = probeAfterEjection(router, (error) =>
    log.error('probe after ejection failed', { error: String(error) }),
  );

  const reloader = new ConfigReloader({
    configPath: options.configPath,
    overrides: options,
    router,
    log,
    onMainConfig: (next) => consoleLog.setLevel(options.logLevel ?? next.log.level),
    ...options.reload,
  });
  await reloader.remember(loaded);
  reloader.start();

  const stopScrape = repeatEvery(
    () => router.config.monitor.collect_interval * 1000,
    () => router.scrapeRound(),
    (error) => log.error('metrics round failed', { error: String(error) }),
  );

  const historyTimer = setInterval(() => {
    router
      .sampleHistory()
      .catch((error: unknown) => log.debug('history sample failed', { error: String(error) }));
  }, 1000);
  historyTimer.unref();

  let closed = false;
  return {
    url,
    port,
    router,
    demoFleet,
    reload: () => reloader.reload(),
    async close(graceMs = router.config.server.shutdown_grace * 1000) {
      if (closed) return;
      closed = true;
      router.startDraining();
      stopHealth();
      stopEjectionProbes();
      reloader.stop();
      stopScrape();
      clearInterval(historyTimer);
      server.close();
      server.closeIdleConnections();
      const deadline = Date.now() + graceMs;
      while (router.inflight > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        server.closeIdleConnections();
      }
      if (router.inflight > 0)
        log.warn('grace period over, aborting open requests', { open: router.inflight });
      server.closeAllConnections();
      // Every client is gone: what is left upstream is aborted relays and probes/scrapes, which may wait
      // on a hung backend for health_check.timeout. Nothing there is worth holding the exit for.
      await transport.destroy();
      await Promise.all(demoFleet.map((sim) => sim.close()));
    },
  };
}

export { ConfigError };

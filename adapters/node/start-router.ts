import type { AddressInfo } from 'node:net';
import {
  type Clock,
  ConfigError,
  type ConfigOverrides,
  createApp,
  createRouter,
  type LlmRouter,
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
import { warnIfExposed } from './exposure-warning.ts';
import { readConfigTexts } from './load-config.ts';
import { createNodeServer } from './node-server.ts';
import { PUBLIC_DIR, VERSION } from './project-files.ts';
import { runBackground } from './run-background.ts';
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

/** Composition root of the Node service: config files, the core's router, server, schedules. */
export async function startRouter(options: StartRouterOptions): Promise<RunningRouter> {
  let consoleLog: ReturnType<typeof createConsoleLogger> | undefined;
  const early = options.log ?? createConsoleLogger({ level: options.logLevel ?? 'info' });
  const texts = await readConfigTexts(options.configPath, options.enabledSources, (message, fields) =>
    early.warn(message, fields),
  );
  const { router, config, log, transport, files } = await createRouter(
    texts,
    {
      clock: options.clock ?? systemClock,
      random: options.random ?? systemRandom,
      secrets: (name) => process.env[name],
      systemInfo: () => ({
        memoryMb: Math.round(process.memoryUsage.rss() / 1024 / 102.4) / 10,
        runtime: `node ${process.version}`,
        version: VERSION,
      }),
      log: (config) => {
        consoleLog = createConsoleLogger({ level: config.log.level });
        return options.log ?? consoleLog;
      },
      transport: (config) =>
        createUndiciTransport({
          connectTimeoutMs: config.http_client.connect_timeout * 1000,
          headersTimeoutMs: config.http_client.header_timeout * 1000,
          idleTimeoutMs: config.http_client.idle_timeout * 1000,
          requestTimeoutMs: config.http_client.request_timeout * 1000,
          maxConnsPerHost: config.http_client.max_conns_per_host,
          keepAliveTimeoutMs: config.http_client.keep_alive_timeout * 1000,
        }),
      state: (_config, _models) => new MemoryRouterState(options.random ?? systemRandom),
    },
    options,
  );

  const demoFleet = config.backends.enabled_sources.includes(DEMO_SOURCE)
    ? await startDemoFleet(router.snapshot.backends, log)
    : [];

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
  warnIfExposed(config, log);
  // Go-router keys this service accepts but does not act on: say so once rather than let them look honoured.
  if (config.log.file) log.warn('log.file is not supported: logs go to stderr only');
  if (config.dashboard.web_port !== 0 && config.dashboard.enabled)
    log.info('dashboard.web_port is not used: the dashboard is served on the API port at /dashboard/', {
      web_port: config.dashboard.web_port,
    });

  const stopBackground = runBackground(router);
  const reloader = new ConfigReloader({
    configPath: options.configPath,
    overrides: options,
    router,
    config,
    log,
    onMainConfig: (next) => consoleLog?.setLevel(options.logLevel ?? next.log.level),
    ...options.reload,
  });
  await reloader.remember(files);
  reloader.start();

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
      stopBackground();
      reloader.stop();
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

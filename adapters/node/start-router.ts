import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import {
  type Clock,
  ConfigError,
  type ConfigOverrides,
  createApp,
  createRouter,
  type LlmRouter,
  type Logger,
  type MainConfig,
  MemoryRouterState,
  type Random,
  systemClock,
  systemRandom,
} from '../../src/index.ts';
import type { SimServer } from '../../tools/sim/index.ts';
import { ConfigReloader } from './config-reloader.ts';
import { createConsoleLogger } from './console-logger.ts';
import { createDashboardServer } from './dashboard-server.ts';
import { DEMO_SOURCE, startDemoFleet } from './demo-fleet.ts';
import { warnIfExposed } from './exposure-warning.ts';
import { readConfigTexts } from './load-config.ts';
import { createNodeServer } from './node-server.ts';
import { PUBLIC_DIR, VERSION } from './project-files.ts';
import { RotatingLogFile } from './rotating-log-file.ts';
import { runBackground } from './run-background.ts';
import { createStaticFiles } from './static-files.ts';
import { createUndiciTransport } from './undici-transport.ts';

export interface StartRouterOptions extends ConfigOverrides {
  readonly configPath: string;
  /** Replaces the console logger and the log.file output (tests, embedding). */
  readonly log?: Logger;
  readonly clock?: Clock;
  readonly random?: Random;
  /** Hot-reload tuning (tests): fs.watch on or off, poll period and debounce in ms. */
  readonly reload?: { readonly watch?: boolean; readonly pollMs?: number; readonly debounceMs?: number };
}

export interface RunningRouter {
  readonly url: string;
  readonly port: number;
  /** The `dashboard.web_port` listener's base URL, when one is open. */
  readonly dashboardUrl: string | null;
  readonly router: LlmRouter;
  readonly demoFleet: readonly SimServer[];
  /** Re-read config.yaml and the backend files now (tests; the watcher does this on change). */
  reload(): Promise<void>;
  /** Stop accepting, let in-flight requests finish up to `graceMs`, abort the rest, release everything. */
  close(graceMs?: number): Promise<void>;
}

/** How long shutdown waits for pending webhook alerts to go out. */
const NOTICE_FLUSH_MS = 2000;

/** Composition root of the Node service: config files, the core's router, server, schedules. */
export async function startRouter(options: StartRouterOptions): Promise<RunningRouter> {
  let consoleLog: ReturnType<typeof createConsoleLogger> | undefined;
  let logFile = null as RotatingLogFile | null;
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
        if (options.log) return options.log;
        logFile = openLogFile(config, options.configPath);
        consoleLog = createConsoleLogger({ level: config.log.level, ...(logFile ? { file: logFile } : {}) });
        return consoleLog;
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
  const { host } = config.server;
  let dashboardServer: Server | null = null;
  let port: number;
  try {
    port = await listen(server, config.server.port, host);
    const { web_port: webPort, enabled } = config.dashboard;
    if (enabled && webPort > 0 && webPort !== port) {
      dashboardServer = createDashboardServer(app);
      await listen(dashboardServer, webPort, host);
    }
  } catch (error) {
    server.close();
    dashboardServer?.close();
    logFile?.close();
    await transport.destroy();
    await Promise.all(demoFleet.map((sim) => sim.close()));
    throw error;
  }
  const url = urlOf(host, port);
  const dashboardUrl = dashboardServer ? urlOf(host, (dashboardServer.address() as AddressInfo).port) : null;
  log.info('llm-router listening', {
    url,
    strategy: config.routing.strategy,
    ...(dashboardUrl ? { dashboard: `${dashboardUrl}/dashboard/` } : {}),
    ...(logFile ? { log_file: logFile.path } : {}),
  });
  warnIfExposed(config, log);
  if (config.dashboard.web_port > 0 && !config.dashboard.enabled)
    log.info('dashboard.web_port is not opened: dashboard.enabled is false', {
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
    dashboardUrl,
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
      dashboardServer?.close();
      dashboardServer?.closeAllConnections();
      const deadline = Date.now() + graceMs;
      while (router.inflight > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        server.closeIdleConnections();
      }
      if (router.inflight > 0)
        log.warn('grace period over, aborting open requests', { open: router.inflight });
      server.closeAllConnections();
      // Alerts still in their batch window would die with the process: send them, briefly.
      await router.flushNotices(Math.min(graceMs, NOTICE_FLUSH_MS));
      // Every client is gone: what is left upstream is aborted relays and probes/scrapes, which may wait
      // on a hung backend for health_check.timeout. Nothing there is worth holding the exit for.
      await transport.destroy();
      await Promise.all(demoFleet.map((sim) => sim.close()));
      logFile?.close();
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function urlOf(host: string, port: number): string {
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

/** log.file: JSON lines under log.dir (relative to the main config file, like backends.config_dir). */
function openLogFile(config: MainConfig, configPath: string): RotatingLogFile | null {
  if (!config.log.file) return null;
  const dir = resolve(dirname(configPath), config.log.dir);
  try {
    return new RotatingLogFile({
      dir,
      name: 'llm-router',
      maxBytes: config.log.max_size_mb * 1024 * 1024,
      maxBackups: config.log.max_backups,
      maxAgeMs: config.log.max_age_days * 86_400_000,
    });
  } catch (error) {
    throw new ConfigError(configPath, [
      `log.dir: cannot write log files in ${dir}: ${error instanceof Error ? error.message : String(error)}`,
    ]);
  }
}

export { ConfigError };

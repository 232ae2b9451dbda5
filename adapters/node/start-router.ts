import {
  type Clock,
  ConfigError,
  type ConfigOverrides,
  type LlmRouter,
  type Logger,
  type Random,
} from '../../src/index.ts';
import type { SimServer } from '../../tools/sim/index.ts';
import { bootRouter } from './boot-router.ts';
import { warnIfExposed } from './exposure-warning.ts';
import { runBackground } from './run-background.ts';
import { type HttpListeners, serveHttp } from './serve-http.ts';

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
export const NOTICE_FLUSH_MS = 2000;

/** Composition root of the Node service: config files, the core's router, server, schedules. */
export async function startRouter(options: StartRouterOptions): Promise<RunningRouter> {
  const booted = await bootRouter(options);
  const { router, config, log, node, demoFleet, release } = booted;
  const logFile = node.logFile();

  let http: HttpListeners;
  try {
    http = await serveHttp({ router, config, log });
  } catch (error) {
    await release();
    throw error;
  }
  log.info('llm-router listening', {
    url: http.url,
    strategy: config.routing.strategy,
    ...(http.dashboardUrl ? { dashboard: `${http.dashboardUrl}/dashboard/` } : {}),
    ...(logFile ? { log_file: logFile.path } : {}),
  });
  warnIfExposed(config, log);
  if (config.dashboard.web_port > 0 && !config.dashboard.enabled)
    log.info('dashboard.web_port is not opened: dashboard.enabled is false', {
      web_port: config.dashboard.web_port,
    });

  const stopBackground = runBackground(router);
  const reloader = await booted.reloader();
  reloader.start();

  let closed = false;
  return {
    url: http.url,
    port: http.port,
    dashboardUrl: http.dashboardUrl,
    router,
    demoFleet,
    reload: () => reloader.reload(),
    async close(graceMs = router.config.server.shutdown_grace * 1000) {
      if (closed) return;
      closed = true;
      stopBackground();
      reloader.stop();
      await http.drain(graceMs);
      // Alerts still in their batch window would die with the process: send them, briefly.
      await router.notices.flush(Math.min(graceMs, NOTICE_FLUSH_MS));
      await release();
    },
  };
}

export { ConfigError };

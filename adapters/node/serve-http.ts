import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AppOptions, createApp, type LlmRouter, type Logger, type MainConfig } from '../../src/index.ts';
import { createDashboardServer } from './dashboard-server.ts';
import { createNodeServer } from './node-server.ts';
import { PUBLIC_DIR } from './project-files.ts';
import { createStaticFiles } from './static-files.ts';

/** A router's HTTP listeners: server.port and, when configured, dashboard.web_port. */
export interface HttpListeners {
  readonly url: string;
  readonly port: number;
  /** The `dashboard.web_port` listener's base URL, when one is open. */
  readonly dashboardUrl: string | null;
  /**
   * Shutdown: stop accepting (the router drains), let open requests finish for up to `graceMs`, then
   * cut what is left.
   */
  drain(graceMs: number): Promise<void>;
}

export interface ServeHttpOptions {
  readonly router: LlmRouter;
  readonly config: MainConfig;
  readonly log: Logger;
  /** Where the views come from when another process sees the whole router (AppOptions). */
  readonly views?: Pick<AppOptions, 'dashboard' | 'metricsText' | 'history'>;
}

/** Opens the API port (and the dashboard port) for `router`; throws what listen() throws. */
export async function serveHttp(options: ServeHttpOptions): Promise<HttpListeners> {
  const { router, config, log } = options;
  const app = createApp({
    router,
    log,
    serveStatic: config.dashboard.enabled ? createStaticFiles(PUBLIC_DIR) : undefined,
    ...options.views,
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
    throw error;
  }
  const dashboardAddress = dashboardServer?.address() as AddressInfo | undefined;
  return {
    url: urlOf(host, port),
    port,
    dashboardUrl: dashboardAddress ? urlOf(host, dashboardAddress.port) : null,
    async drain(graceMs) {
      router.startDraining();
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

export function urlOf(host: string, port: number): string {
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

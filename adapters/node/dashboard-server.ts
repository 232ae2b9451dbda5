import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import { errorResponse, routerErrors } from '../../src/index.ts';
import { answerClientError } from './answer-client-error.ts';

/**
 * What `dashboard.web_port` serves: the pages, their `/api/*`, `/metrics` (so a firewall can open the
 * operator port to Prometheus without opening the API) and `/health`. The OpenAI API stays on
 * server.port only: a port meant for people and scrapers must not take inference traffic.
 */
const SERVED = /^\/(?:$|dashboard(?:\/.*)?$|api\/.+|metrics$|health$)/;

/** The second listener for `dashboard.web_port`: the same Hono app, restricted to the dashboard surface. */
export function createDashboardServer(app: Hono): Server {
  const listener = getRequestListener((request: Request) => {
    const path = new URL(request.url).pathname;
    return SERVED.test(path) ? app.fetch(request) : errorResponse(routerErrors.notFound(path));
  });
  const server = createServer(
    { headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 65_000 },
    listener,
  );
  server.on('clientError', answerClientError);
  return server;
}

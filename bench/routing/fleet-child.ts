/**
 * Child process hosting the simulated engines (and, for a metric-less backend, a proxy that answers 404 on
 * /metrics), so their timers do not share an event loop with the load generator or the router.
 */
import { Agent, createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type SimServer, startSimServer } from '../../tools/sim/index.ts';
import type { FleetMethods, SimLive } from './fleet-methods.ts';
import { LoopLagMonitor } from './loop-lag.ts';
import { serveRpc } from './rpc.ts';

interface Member {
  readonly sim: SimServer;
  readonly proxy: Server | null;
  readonly url: string;
}

let fleet: Member[] = [];
const lag = new LoopLagMonitor();
const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const name in headers) if (!HOP_BY_HOP.has(name)) out[name] = headers[name];
  return out;
}

/** Forwards everything to the sim except `GET /metrics`, which is a 404 (no engine metrics exposed). */
async function startNoMetricsProxy(sim: SimServer): Promise<Server> {
  const server = createServer({ keepAlive: true, noDelay: true }, (req, res) => {
    if ((req.url ?? '/').split('?')[0] === '/metrics') {
      req.resume();
      res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
      return;
    }
    const upstream = request(
      {
        agent,
        host: '127.0.0.1',
        port: sim.port,
        method: req.method,
        path: req.url,
        headers: withoutHopByHop(req.headers),
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, withoutHopByHop(upstreamRes.headers));
        res.flushHeaders();
        upstreamRes.pipe(res);
      },
    );
    upstream.setNoDelay(true);
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function stopFleet(): Promise<void> {
  const old = fleet;
  fleet = [];
  await Promise.all(
    old.map(async (member) => {
      if (member.proxy) {
        member.proxy.closeAllConnections();
        await new Promise<void>((resolve) => member.proxy?.close(() => resolve()));
      }
      await member.sim.close();
    }),
  );
}

serveRpc<FleetMethods>({
  async start({ specs }) {
    await stopFleet();
    for (const spec of specs) {
      const sim = await startSimServer({ ...spec.options, host: '127.0.0.1', port: 0 });
      const proxy = spec.metrics ? null : await startNoMetricsProxy(sim);
      const url = proxy ? `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/v1` : sim.url;
      fleet.push({ sim, proxy, url });
    }
    lag.take();
    return { urls: fleet.map((member) => member.url) };
  },
  async stats() {
    const backends: SimLive[] = fleet.map(({ sim }) => {
      const s = sim.stats();
      return {
        running: s.running,
        waiting: s.waiting,
        completed: s.completed,
        cancelled: s.cancelled,
        metricsScrapes: s.byPath['/metrics'] ?? 0,
        prefixCacheQueries: s.prefixCacheQueries,
        prefixCacheHits: s.prefixCacheHits,
      };
    });
    return { backends };
  },
  async lag() {
    return lag.take();
  },
  async stop() {
    await stopFleet();
    return {};
  },
});

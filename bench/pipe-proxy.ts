/**
 * The Node floor: the least a node:http reverse proxy can do. Keep-alive Agent upstream,
 * `req.pipe(upstream)`, `upstreamRes.pipe(res)`; no parsing, no routing, no retries.
 *
 *   npx tsx bench/pipe-proxy.ts --port 9002 --target http://127.0.0.1:9001
 */
import { Agent, createServer, type IncomingHttpHeaders, request } from 'node:http';
import { parseArgs } from 'node:util';
import { exitWithParent } from './lib/children.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '9002' },
    target: { type: 'string', default: 'http://127.0.0.1:9001' },
  },
});
const target = new URL(values.target);
const agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 });
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const name in headers) if (!HOP_BY_HOP.has(name)) out[name] = headers[name];
  return out;
}

const server = createServer({ keepAliveTimeout: 65_000, noDelay: true }, (req, res) => {
  const upstream = request(
    {
      agent,
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: withoutHopByHop(req.headers),
    },
    (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, withoutHopByHop(upstreamRes.headers));
      upstreamRes.pipe(res);
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502).end();
    else res.destroy();
  });
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
});
server.listen({ port: Number(values.port), host: '127.0.0.1', backlog: 4096 });
exitWithParent();
// Exit normally on SIGTERM/SIGINT so `node --cpu-prof` writes its profile.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));

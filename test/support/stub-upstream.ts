import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubUpstream {
  /** The api_base to configure: `http://127.0.0.1:PORT/v1`. */
  readonly url: string;
  readonly server: Server;
  /** Inference requests received (probes of GET /v1/models are answered and not counted). */
  readonly requests: { readonly path: string; readonly headers: IncomingMessage['headers'] }[];
  /** Inference requests whose client (the router) went away before the handler finished the response. */
  aborted(): number;
  close(): Promise<void>;
}

export type StubHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

/**
 * A programmable upstream for behaviours the simulator does not model (echoing headers, odd statuses,
 * endless streams). `GET /v1/models` answers 200 with `models` so health probes pass; other non-POST
 * requests (engine /metrics scrapes) get a 404; every POST goes to `handler`.
 */
export async function startStubUpstream(
  handler: StubHandler,
  options: {
    /** Ids `GET /v1/models` lists, or a handler of its own (probes). */
    models?: readonly string[] | StubHandler;
    readBody?: boolean;
    /** Any other non-POST request (engine /metrics scrapes); default: 404. */
    get?: StubHandler;
  } = {},
): Promise<StubUpstream> {
  const requests: { path: string; headers: IncomingMessage['headers'] }[] = [];
  let aborted = 0;
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/v1/models') {
      if (typeof options.models === 'function') {
        options.models(req, res, Buffer.alloc(0));
        return;
      }
      const data = (options.models ?? ['m']).map((id) => ({ id, object: 'model' }));
      // Probes never leave a pooled socket behind: a test's first POST goes out on a fresh socket.
      res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify({ object: 'list', data }));
      return;
    }
    if (req.method !== 'POST') {
      if (options.get) {
        options.get(req, res, Buffer.alloc(0));
        return;
      }
      // Engine /metrics scrapes and anything else that is not inference: this stub has none.
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"Not Found"}}');
      return;
    }
    requests.push({ path: req.url ?? '', headers: req.headers });
    res.on('close', () => {
      if (!res.writableFinished) aborted++;
    });
    if (options.readBody === false) {
      handler(req, res, Buffer.alloc(0));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handler(req, res, Buffer.concat(chunks)));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    server,
    requests,
    aborted: () => aborted,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

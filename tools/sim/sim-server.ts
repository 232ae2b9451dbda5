import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { SimContext } from './sim-context.ts';
import { SimEngine } from './sim-engine.ts';
import { SimEventBus, type SimEvents } from './sim-events.ts';
import { createSimHandler } from './sim-handler.ts';
import {
  mergeFaults,
  resolveSimOptions,
  type SimFaults,
  type SimOptions,
  type SimOptionsInput,
} from './sim-options.ts';
import { SimCounters, type SimStats } from './sim-stats.ts';

export interface SimServer {
  /** The api_base, e.g. `http://127.0.0.1:9001/v1`. */
  readonly url: string;
  readonly port: number;
  /** Live options; `faults` changes through `setFaults`. */
  readonly options: SimOptions;
  readonly events: SimEvents;
  stats(): SimStats;
  setFaults(faults: Partial<SimFaults>): void;
  /** Simulates a crash: stops listening and resets every open connection; the port then refuses. */
  stop(): Promise<void>;
  /** Listens again on the same port after `stop()`. */
  start(): Promise<void>;
  /** Final shutdown (same teardown as `stop()`). */
  close(): Promise<void>;
}

/** Accept queue for connection bursts (the kernel caps it at net.core.somaxconn). */
const LISTEN_BACKLOG = 4096;

export async function startSimServer(options: SimOptionsInput): Promise<SimServer> {
  const instance = new SimInstance(resolveSimOptions(options));
  await instance.start();
  return instance;
}

class SimInstance implements SimServer {
  readonly options: SimOptions;
  private readonly ctx: SimContext;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private boundPort = 0;
  private listening = false;
  private closed = false;

  constructor(options: SimOptions) {
    this.options = options;
    let ids = 0;
    this.ctx = {
      options,
      engine: new SimEngine(options),
      counters: new SimCounters(),
      events: new SimEventBus(),
      createdAt: Math.floor(Date.now() / 1000),
      flapEpoch: Date.now(),
      crashing: false,
      nextId: () => ++ids,
    };
    this.server = createServer({ noDelay: true, keepAlive: true }, createSimHandler(this.ctx));
    this.server.keepAliveTimeout = options.keepAliveTimeoutMs;
    // Must exceed keepAliveTimeout, or Node may cut idle sockets while a request header is arriving.
    this.server.headersTimeout = Math.max(60_000, options.keepAliveTimeoutMs + 1000);
    // Long generations must not hit Node's default 5-minute request timeout.
    this.server.requestTimeout = 0;
    this.server.on('connection', (socket: Socket) => {
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.server.on('clientError', (_error, socket) => socket.destroy());
  }

  get events(): SimEvents {
    return this.ctx.events;
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    return `http://${host}:${this.boundPort}/v1`;
  }

  stats(): SimStats {
    return this.ctx.counters.toStats(this.ctx.engine.snapshot());
  }

  setFaults(faults: Partial<SimFaults>): void {
    if (faults.flapPeriodMs !== undefined) this.ctx.flapEpoch = Date.now();
    mergeFaults(this.options.faults, faults);
  }

  async start(): Promise<void> {
    if (this.closed) throw new Error('sim: server was closed; create a new one');
    if (this.listening) return;
    // After the first bind, reuse the port so the router sees the same api_base come back.
    const port = this.boundPort || this.options.port;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once('error', onError);
      this.server.listen({ port, host: this.options.host, backlog: LISTEN_BACKLOG }, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    this.boundPort = (this.server.address() as AddressInfo).port;
    this.listening = true;
  }

  async stop(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // A socket's 'close' (and with it the response's) fires in libuv's close phase, after the server's own
    // 'close'; the flag stays up until every one has fired so none is mistaken for a client cancel.
    const socketsClosed = [...this.sockets].map(
      (socket) =>
        new Promise<void>((resolve) => (socket.closed ? resolve() : socket.once('close', () => resolve()))),
    );
    this.ctx.crashing = true;
    try {
      // Reset rather than drain: in-flight clients must see the connection die, like a killed engine.
      for (const socket of this.sockets) socket.destroy();
      this.sockets.clear();
      this.ctx.engine.reset();
      await Promise.all([closed, ...socketsClosed]);
    } finally {
      this.ctx.crashing = false;
    }
  }

  async close(): Promise<void> {
    await this.stop();
    this.closed = true;
  }
}

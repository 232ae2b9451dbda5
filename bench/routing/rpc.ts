import { type ChildProcess, fork } from 'node:child_process';

/** Method name → params and result of a child process's IPC interface. */
export type RpcMethods = Record<string, { params: unknown; result: unknown }>;

type Handlers<M extends RpcMethods> = { [K in keyof M]: (params: M[K]['params']) => Promise<M[K]['result']> };

interface RpcCall {
  readonly id: number;
  readonly method: string;
  readonly params: unknown;
}

interface RpcReply {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: string;
}

function isCall(value: unknown): value is RpcCall {
  return typeof value === 'object' && value !== null && 'id' in value && 'method' in value;
}

function isReply(value: unknown): value is RpcReply {
  return typeof value === 'object' && value !== null && 'id' in value && !('method' in value);
}

/** Child side: answer the parent's calls; exit when the parent's IPC channel closes (it died or finished). */
export function serveRpc<M extends RpcMethods>(handlers: Handlers<M>): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('bench/routing: this file runs as a child of bench/routing.ts (no IPC channel)');
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: unknown) => {
    if (!isCall(message)) return;
    const handler = handlers[message.method as keyof M];
    if (!handler) {
      send({ id: message.id, error: `unknown method ${message.method}` });
      return;
    }
    handler(message.params as M[keyof M]['params']).then(
      (result) => send({ id: message.id, result }),
      (error: unknown) =>
        send({ id: message.id, error: error instanceof Error ? error.stack : String(error) }),
    );
  });
  send({ id: 0, result: 'ready' });
}

/** Parent side of one child process started with `node --import tsx <file>`. */
export class RpcChild<M extends RpcMethods> {
  readonly #proc: ChildProcess;
  readonly #pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  readonly #ready: Promise<void>;
  readonly #exited: Promise<void>;
  #next = 1;

  constructor(
    readonly name: string,
    file: string,
  ) {
    this.#proc = fork(file, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let readyResolve: () => void = () => {};
    this.#ready = new Promise<void>((resolve) => {
      readyResolve = resolve;
    });
    this.#proc.on('message', (message: unknown) => {
      if (!isReply(message)) return;
      if (message.id === 0) {
        readyResolve();
        return;
      }
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      if (message.error !== undefined) pending.reject(new Error(`${name}: ${message.error}`));
      else pending.resolve(message.result);
    });
    this.#exited = new Promise<void>((resolve) => {
      this.#proc.once('exit', (code, signal) => {
        for (const pending of this.#pending.values()) {
          pending.reject(new Error(`${name} exited (code ${code}, signal ${signal})`));
        }
        this.#pending.clear();
        resolve();
      });
    });
  }

  get pid(): number {
    return this.#proc.pid ?? -1;
  }

  ready(): Promise<void> {
    return Promise.race([
      this.#ready,
      this.#exited.then(() => {
        throw new Error(`${this.name} exited before it was ready`);
      }),
    ]);
  }

  call<K extends keyof M & string>(method: K, params: M[K]['params']): Promise<M[K]['result']> {
    const id = this.#next++;
    return new Promise<M[K]['result']>((resolve, reject) => {
      this.#pending.set(id, { resolve: (value) => resolve(value as M[K]['result']), reject });
      this.#proc.send({ id, method, params });
    });
  }

  /** Close the IPC channel (the child exits on disconnect); SIGKILL this child's pid if it lingers. */
  async close(graceMs = 5000): Promise<void> {
    if (this.#proc.exitCode !== null || this.#proc.signalCode !== null) return;
    if (this.#proc.connected) this.#proc.disconnect();
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
    if ((await Promise.race([this.#exited.then(() => 'exited' as const), timer])) === 'timeout') {
      this.#proc.kill('SIGKILL');
      await this.#exited;
    }
  }

  /** Synchronous last resort on process exit. */
  killSync(): void {
    if (this.#proc.exitCode === null && this.#proc.signalCode === null) this.#proc.kill('SIGKILL');
  }
}

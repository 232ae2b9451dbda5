import { spawn } from 'node:child_process';
import { CLI_ENTRY } from '../cli/index.ts';
import { serveWorker } from './bench-worker.ts';
import type { Channel, FromWorker, ToWorker } from './worker-protocol.ts';

/** The coordinator's side of one worker. */
export interface WorkerHandle extends Channel<ToWorker, FromWorker> {
  readonly name: string;
  /** Resolves when the worker is gone; with its stderr tail when it died on its own. */
  readonly exited: Promise<{ code: number | null; stderr: string }>;
  kill(): void;
}

/** The hidden flag that turns `llm-router bench` into a worker process. */
export const WORKER_FLAG = '--worker';

const STDERR_TAIL = 4000;

/**
 * A worker process: `node bin/llm-router.mjs bench --worker` over an IPC channel, so it works from the
 * bundle and from the sources alike. It starts through `sh` to raise its soft open-file limit to the
 * hard limit first (`ulimit -n`, then exec: the same process), since every stream holds a socket.
 */
export function spawnWorker(index: number): WorkerHandle {
  const child = spawn(
    '/bin/sh',
    [
      '-c',
      'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"',
      'sh',
      process.execPath,
      CLI_ENTRY,
      'bench',
      WORKER_FLAG,
    ],
    { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { ...process.env, NO_COLOR: '1' } },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-STDERR_TAIL);
  });
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => {
    child.once('exit', (code) => resolve({ code, stderr }));
    child.once('error', (error) => resolve({ code: -1, stderr: `${stderr}${error.message}` }));
  });
  return {
    name: `worker ${index} (pid ${child.pid})`,
    exited,
    send(message) {
      if (child.connected) child.send(message);
    },
    onMessage(handler) {
      child.on('message', (message) => handler(message as FromWorker));
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** A worker in this process: the same protocol, messages delivered on the next tick. */
export function inProcessWorker(): WorkerHandle {
  const toCoordinator: ((message: FromWorker) => void)[] = [];
  const toWorker: ((message: ToWorker) => void)[] = [];
  let resolveExit!: (value: { code: number | null; stderr: string }) => void;
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => {
    resolveExit = resolve;
  });
  serveWorker(
    {
      send: (message) =>
        setImmediate(() => {
          for (const handler of toCoordinator) handler(message);
        }),
      onMessage: (handler) => toWorker.push(handler),
    },
    () => resolveExit({ code: 0, stderr: '' }),
  );
  return {
    name: 'worker 0 (in process)',
    exited,
    send: (message) =>
      setImmediate(() => {
        for (const handler of toWorker) handler(message);
      }),
    onMessage: (handler) => toCoordinator.push(handler),
    kill: () => {
      for (const handler of toWorker) handler({ type: 'stop' });
    },
  };
}

/** `llm-router bench --worker`: serve the coordinator over IPC until it says exit (or goes away). */
export function runWorkerProcess(): Promise<number> {
  const send = process.send?.bind(process);
  if (!send) {
    process.stderr.write(
      'llm-router bench: --worker is internal (it needs an IPC channel from the coordinator)\n',
    );
    return Promise.resolve(2);
  }
  // Ctrl-C reaches the whole process group: the coordinator decides how the run stops.
  process.on('SIGINT', () => {});
  process.on('disconnect', () => process.exit(0));
  return new Promise((resolve) => {
    serveWorker(
      {
        send: (message) => void send(message),
        onMessage: (handler) => process.on('message', (message) => handler(message as ToWorker)),
      },
      () => resolve(0),
    );
  });
}

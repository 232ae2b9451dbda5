import cluster from 'node:cluster';
import {
  backendFileFrom,
  ConfigError,
  createRouter,
  type LlmRouter,
  mainConfigFrom,
  RemoteRouterState,
} from '../../src/index.ts';
import {
  IPC_TAG,
  isOurs,
  type PrimaryMessage,
  type ViewName,
  type WorkerMessage,
} from './cluster-messages.ts';
import { liveConfigFrom } from './config-reloader.ts';
import { IpcStateChannel } from './ipc-state-channel.ts';
import { nodeRuntime } from './node-runtime.ts';
import { PendingCalls } from './pending-calls.ts';
import { serveHttp } from './serve-http.ts';

export interface RunningWorker {
  readonly router: LlmRouter;
  /** Drain for up to `graceMs` (default server.shutdown_grace), then let go of everything. */
  close(graceMs?: number): Promise<void>;
}

const BEAT_MS = 1000;

/** How a worker speaks to the primary; throws once the channel is closed. */
function send(message: WorkerMessage): void {
  if (!process.send) throw new Error('not a cluster worker');
  process.send(message);
}

/**
 * A cluster worker (server.workers > 1): the router over the primary's state (RemoteRouterState through
 * IpcStateChannel), serving the shared port. The config comes from the primary, at start and on every
 * reload; the background work, registrations, probes and webhooks are the primary's, and so are the
 * views (`/api/dashboard`, `/api/history`, `/metrics`), which show the whole router.
 */
export async function startClusterWorker(): Promise<RunningWorker> {
  const asked = new PendingCalls();
  let channel: IpcStateChannel | null = null;
  let router: LlmRouter | null = null;
  const pending: PrimaryMessage[] = [];
  let apply: ((message: PrimaryMessage) => void) | null = null;
  const init = new Promise<PrimaryMessage & { k: 'init' }>((resolve) => {
    process.on('message', (message: unknown) => {
      if (!isOurs<PrimaryMessage>(message)) return;
      switch (message.k) {
        case 'init':
          resolve(message);
          return;
        case 'state':
          channel?.answer(message.answers);
          return;
        case 'answer':
          asked.settle(message);
          return;
        default:
          if (apply) apply(message);
          else pending.push(message);
      }
    });
  });
  send({ t: IPC_TAG, k: 'hello' });
  const { texts, overrides, processes } = await init;

  const stateChannel = new IpcStateChannel((calls) =>
    send({ t: IPC_TAG, k: 'state', inflight: router?.inflight ?? 0, calls }),
  );
  channel = stateChannel;
  const workerId = cluster.worker?.id ?? 0;
  const node = nodeRuntime({
    configPath: texts.mainFile,
    ...(overrides.logLevel ? { logLevel: overrides.logLevel } : {}),
    logFile: { write: (line) => send({ t: IPC_TAG, k: 'log', line }) },
    logFields: { worker: workerId },
    state: (_config, models) =>
      new RemoteRouterState(stateChannel, {
        models,
        // IPC loses nothing while both processes live; when the primary is gone, so is this worker.
        retryDelaysMs: [],
        view: (now) => stateChannel.viewAll(now),
      }),
    sharedRounds: true,
    tuning: { processes },
    // The primary notifies: it sees every health change when it applies the state call.
    notices: { channel: { offer: async () => {} } },
  });
  const created = await createRouter(texts, node.runtime, overrides);
  router = created.router;
  const { config, log, transport } = created;
  const ask = <T>(view: ViewName): Promise<T> => {
    const { id, answer } = asked.open();
    send({ t: IPC_TAG, k: 'ask', id, view });
    return answer as Promise<T>;
  };
  const http = await serveHttp({
    router: created.router,
    config,
    log,
    views: {
      dashboard: () => ask('dashboard'),
      metricsText: () => ask('metrics'),
      history: () => ask('history'),
    },
  });

  // Reloads apply in the order the primary applied them.
  let chain = Promise.resolve();
  apply = (message) => {
    chain = chain.then(
      () => applyReload(created.router, message, texts.mainFile, overrides, node.setLevel),
      (error) => log.error('reload from the primary failed', { error: String(error) }),
    );
  };
  for (const message of pending.splice(0)) apply(message);

  const beat = setInterval(() => {
    try {
      send({ t: IPC_TAG, k: 'beat', inflight: created.router.inflight, rss: process.memoryUsage.rss() });
    } catch {
      // The primary is gone: 'disconnect' handles it.
    }
  }, BEAT_MS);
  beat.unref();

  let closed: Promise<void> | null = null;
  const close = (graceMs = created.router.config.server.shutdown_grace * 1000) => {
    closed ??= (async () => {
      clearInterval(beat);
      await http.drain(graceMs);
      stateChannel.close('worker closed');
      await transport.destroy();
    })();
    return closed;
  };
  send({ t: IPC_TAG, k: 'listening', url: http.url });
  return { router: created.router, close };
}

async function applyReload(
  router: LlmRouter,
  message: PrimaryMessage,
  mainFile: string,
  overrides: Parameters<typeof mainConfigFrom>[2],
  setLevel: (config: ReturnType<typeof mainConfigFrom>) => void,
): Promise<void> {
  if (message.k === 'main') {
    const next = mainConfigFrom(message.text, mainFile, overrides);
    router.updateConfig(liveConfigFrom(next, router.config));
    setLevel(next);
    return;
  }
  if (message.k === 'backend') {
    const loaded = backendFileFrom(message.file, message.text, router.config, (name) => process.env[name]);
    await router.applyBackendFile(message.file, loaded.text === null ? null : loaded.backends, false);
  }
}

/** Tell the primary why this worker cannot start (it then stops instead of restarting it forever). */
export function reportWorkerFailure(error: unknown): void {
  const message =
    error instanceof ConfigError
      ? `invalid configuration: ${error.message}`
      : error instanceof Error
        ? error.message
        : String(error);
  try {
    send({ t: IPC_TAG, k: 'failed', message });
  } catch {
    // No primary to tell.
  }
}

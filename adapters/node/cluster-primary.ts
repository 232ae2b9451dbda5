import cluster, { type Worker } from 'node:cluster';
import { type ConfigTexts, type LlmRouter, statePolicyFrom } from '../../src/index.ts';
import type { SimServer } from '../../tools/sim/index.ts';
import { bootRouter } from './boot-router.ts';
import {
  IPC_TAG,
  isOurs,
  type PrimaryMessage,
  type ViewName,
  type WorkerMessage,
} from './cluster-messages.ts';
import { warnIfExposed } from './exposure-warning.ts';
import { processInfo } from './node-runtime.ts';
import { runBackground } from './run-background.ts';
import { NOTICE_FLUSH_MS, type StartRouterOptions } from './start-router.ts';
import { StateOwner } from './state-owner.ts';

export interface ClusterOptions extends StartRouterOptions {
  /** Worker processes to fork (server.workers resolved). */
  readonly workers: number;
}

export interface RunningCluster {
  readonly url: string;
  readonly router: LlmRouter;
  readonly demoFleet: readonly SimServer[];
  /** Pids of the workers serving now. */
  workerPids(): number[];
  /** Attempts the state holds for the worker with this pid (0 once it is gone and released). */
  openAttempts(pid: number): number;
  reload(): Promise<void>;
  /** SIGTERM every worker (each drains for up to `graceMs`), wait for them, then stop. */
  close(graceMs?: number): Promise<void>;
  /** Second signal: kill the workers now. */
  kill(): void;
}

interface WorkerInfo {
  readonly worker: Worker;
  inflight: number;
  rssBytes: number;
}

/** Restarts within this window count as a crash loop and back off. */
const CRASH_WINDOW_MS = 10_000;
const MAX_RESTART_DELAY_MS = 5000;
/** Past shutdown_grace, how long a worker may take to exit before it is killed. */
const EXIT_MARGIN_MS = 5000;

/**
 * `server.workers` > 1: this process supervises, owns the state (workers reach it through
 * StateOwner over IPC) and does the background work once for all (health rounds, scrapes, the history
 * ring, webhooks, config reload, whose texts it sends on to the workers); the workers serve the port
 * (Node's cluster hands each new connection to the next worker). A worker that dies has its attempts
 * released at once and is started again.
 */
export async function startClusterPrimary(options: ClusterOptions): Promise<RunningCluster> {
  const workers = new Map<number, WorkerInfo>();
  const booted = await bootRouter(options, {
    inflight: () => sum(workers, (info) => info.inflight),
    systemInfo: () => {
      const own = processInfo(`node ${process.version}, ${options.workers} workers`);
      const rss = sum(workers, (info) => info.rssBytes) / 1024 / 1024;
      return { ...own, memoryMb: Math.round(((own.memoryMb ?? 0) + rss) * 10) / 10 };
    },
  });
  const { router, config, log, store, node, demoFleet, release, texts: started } = booted;
  // The texts as last applied: a worker (re)started later begins from these.
  const texts: { mainFile: string; main: string; backends: Record<string, string> } = {
    ...started,
    backends: { ...started.backends },
  };
  const logFile = node.logFile();
  const owner = new StateOwner(store.state, {
    clock: node.runtime.clock,
    log,
    policy: () => statePolicyFrom(router.config),
    onTransition: (change) => router.observeHealthChange(change),
  });

  const broadcast = (message: PrimaryMessage) => {
    for (const info of workers.values()) if (info.worker.isConnected()) info.worker.send(message);
  };
  const stopBackground = runBackground(router);
  const reloader = await booted.reloader({
    main: (text) => {
      texts.main = text;
      broadcast({ t: IPC_TAG, k: 'main', text });
    },
    backendFile: (file, text) => {
      if (text === null) delete texts.backends[file];
      else texts.backends[file] = text;
      broadcast({ t: IPC_TAG, k: 'backend', file, text });
    },
  });

  let closing = false;
  let url = '';
  let startupFailure: ((message: string) => void) | null = null;
  let firstListening: (() => void) | null = null;
  const restarts: number[] = [];

  const answerView = async (view: ViewName): Promise<unknown> => {
    switch (view) {
      case 'dashboard':
        return router.dashboard();
      case 'metrics':
        return router.metricsText();
      case 'history':
        return router.history();
    }
  };

  const onMessage = (info: WorkerInfo, message: WorkerMessage) => {
    const { worker } = info;
    switch (message.k) {
      case 'hello': {
        const init: PrimaryMessage = {
          t: IPC_TAG,
          k: 'init',
          texts: texts as ConfigTexts,
          overrides: overridesOf(options),
          processes: options.workers,
        };
        worker.send(init);
        return;
      }
      case 'state': {
        info.inflight = message.inflight;
        const answers = owner.handle(worker.id, message.calls);
        const reply = (list: PrimaryMessage & { k: 'state' }) => {
          if (worker.isConnected()) worker.send(list);
        };
        if (answers instanceof Promise)
          void answers.then((list) => reply({ t: IPC_TAG, k: 'state', answers: list }));
        else reply({ t: IPC_TAG, k: 'state', answers });
        return;
      }
      case 'ask':
        answerView(message.view).then(
          (ok) => worker.isConnected() && worker.send({ t: IPC_TAG, k: 'answer', id: message.id, ok }),
          (error: unknown) =>
            worker.isConnected() &&
            worker.send({ t: IPC_TAG, k: 'answer', id: message.id, error: String(error) }),
        );
        return;
      case 'log':
        logFile?.write(message.line);
        return;
      case 'beat':
        info.inflight = message.inflight;
        info.rssBytes = message.rss;
        return;
      case 'listening':
        url = message.url;
        firstListening?.();
        return;
      case 'failed':
        log.error('worker could not start', { worker: worker.id, error: message.message });
        startupFailure?.(message.message);
        return;
    }
  };

  const fork = () => {
    const worker = cluster.fork({ LLM_ROUTER_WORKER: '1' });
    const info: WorkerInfo = { worker, inflight: 0, rssBytes: 0 };
    workers.set(worker.id, info);
    worker.on('message', (message: unknown) => {
      if (isOurs<WorkerMessage>(message)) onMessage(info, message);
    });
    worker.on('exit', (code, signal) => {
      workers.delete(worker.id);
      void owner.workerGone(worker.id).then((released) => {
        if (!closing || released > 0)
          log.warn('worker exited', {
            worker: worker.id,
            pid: worker.process.pid ?? 0,
            code: code ?? undefined,
            signal: signal ?? undefined,
            released_attempts: released,
          });
      });
      if (closing) return;
      const now = Date.now();
      while (restarts.length > 0 && now - restarts[0]! > CRASH_WINDOW_MS) restarts.shift();
      restarts.push(now);
      const delay =
        restarts.length <= 2 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 250 * 2 ** (restarts.length - 3));
      setTimeout(() => {
        if (!closing) fork();
      }, delay).unref();
    });
  };

  // Workers run this same command; their flags reach them again through `init`.
  cluster.setupPrimary({ silent: false });
  await new Promise<void>((resolve, reject) => {
    let waiting = options.workers;
    firstListening = () => {
      waiting--;
      if (waiting === 0) resolve();
    };
    startupFailure = (message) => reject(new Error(message));
    for (let i = 0; i < options.workers; i++) fork();
  }).catch(async (error: unknown) => {
    closing = true;
    for (const info of workers.values()) info.worker.process.kill('SIGKILL');
    stopBackground();
    await release();
    throw error;
  });
  firstListening = null;
  log.info('llm-router listening', {
    url,
    workers: options.workers,
    strategy: config.routing.strategy,
    ...(logFile ? { log_file: logFile.path } : {}),
  });
  warnIfExposed(config, log);
  reloader.start();

  const kill = () => {
    for (const info of workers.values()) info.worker.process.kill('SIGKILL');
  };
  return {
    url,
    router,
    demoFleet,
    workerPids: () => [...workers.values()].flatMap((info) => info.worker.process.pid ?? []),
    openAttempts: (pid) => {
      const info = [...workers.values()].find((entry) => entry.worker.process.pid === pid);
      return info ? owner.openAttempts(info.worker.id) : 0;
    },
    reload: () => reloader.reload(),
    kill,
    async close(graceMs = router.config.server.shutdown_grace * 1000) {
      if (closing) return;
      closing = true;
      stopBackground();
      reloader.stop();
      const exits = [...workers.values()].map(
        (info) => new Promise<void>((resolve) => info.worker.process.once('exit', () => resolve())),
      );
      for (const info of workers.values()) info.worker.process.kill('SIGTERM');
      const timer = setTimeout(kill, graceMs + EXIT_MARGIN_MS);
      await Promise.all(exits);
      clearTimeout(timer);
      await router.notices.flush(Math.min(graceMs, NOTICE_FLUSH_MS));
      await release();
    },
  };
}

function sum(workers: Map<number, WorkerInfo>, of: (info: WorkerInfo) => number): number {
  let total = 0;
  for (const info of workers.values()) total += of(info);
  return total;
}

function overridesOf(options: StartRouterOptions) {
  return {
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
    ...(options.enabledSources ? { enabledSources: options.enabledSources } : {}),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.host === undefined ? {} : { host: options.host }),
  };
}

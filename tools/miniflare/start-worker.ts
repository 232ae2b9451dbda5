import { Miniflare, type WorkerOptions } from 'miniflare';
import { bundleWorker, COMPATIBILITY_DATE, COMPATIBILITY_FLAGS } from './bundle-worker.ts';

export interface StartWorkerOptions {
  /** Main config YAML (or JSON) text, passed as the ROUTER_CONFIG binding. */
  readonly mainConfig: string;
  /** Backend file name -> YAML text, passed as the ROUTER_BACKENDS binding. */
  readonly backendFiles: Readonly<Record<string, string>>;
  /** Extra string bindings (secrets, ALLOW_NO_AUTH, ROUTER_LINGER_MS). */
  readonly bindings?: Readonly<Record<string, string>>;
  /** Serve this directory as the dashboard assets. */
  readonly assetsDir?: string;
  /** A second Worker (its own isolate) sharing the first one's Durable Objects. */
  readonly secondIsolate?: boolean;
  /**
   * Keep Durable Object storage in this directory instead of memory, so a later start on the same
   * directory runs restarted objects over what the earlier ones stored.
   */
  readonly persistDir?: string;
  /** Entry to bundle instead of the Worker (a test harness that re-exports it), relative to the repo. */
  readonly entry?: string;
}

export interface RunningWorker {
  readonly url: string;
  readonly mf: Miniflare;
  /** Fetch through the second isolate (requires `secondIsolate`). */
  fetchSecond(path: string, init?: RequestInit): Promise<Response>;
  /** Fire the cron handler as Cloudflare would at `scheduledTime`. */
  cron(scheduledTime: number): Promise<void>;
  /** RPCs answered so far by the named state objects together (shard names: adapters/cloudflare/shard-name.ts). */
  stateCalls(shards: readonly string[]): Promise<number>;
  /** Everything workerd wrote to stdout and stderr so far (the Worker's console and log lines). */
  logs(): string;
  close(): Promise<void>;
}

/**
 * The real Worker bundle under workerd through the Miniflare API: no wrangler dev proxy in between, so
 * what a client measures is the Worker itself. Configured through bindings, so it can front servers on
 * ephemeral 127.0.0.1 ports.
 */
export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const scriptPath = await bundleWorker(options.entry);
  const base: WorkerOptions = {
    modules: true,
    scriptPath,
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: COMPATIBILITY_FLAGS,
    bindings: {
      ROUTER_CONFIG: options.mainConfig,
      ROUTER_BACKENDS: JSON.stringify(options.backendFiles),
      ...options.bindings,
    },
  };
  // SQLite-backed, as wrangler.toml's migration declares them.
  const first: WorkerOptions = {
    ...base,
    name: 'router',
    durableObjects: {
      ROUTER_STATE: { className: 'RouterStateObject', useSQLite: true },
      SCHEDULER: { className: 'BackgroundScheduler', useSQLite: true },
      NOTIFIER: { className: 'NotifierObject', useSQLite: true },
    },
    ...(options.assetsDir
      ? {
          assets: {
            directory: options.assetsDir,
            binding: 'ASSETS',
            routerConfig: { has_user_worker: true, invoke_user_worker_ahead_of_assets: true },
            assetConfig: { html_handling: 'none', not_found_handling: 'none' },
          },
        }
      : {}),
  };
  const second: WorkerOptions = {
    ...base,
    name: 'router-b',
    durableObjects: {
      ROUTER_STATE: { className: 'RouterStateObject', scriptName: 'router', useSQLite: true },
      SCHEDULER: { className: 'BackgroundScheduler', scriptName: 'router', useSQLite: true },
      NOTIFIER: { className: 'NotifierObject', scriptName: 'router', useSQLite: true },
    },
  };
  let logs = '';
  const shared = {
    cf: false,
    handleRuntimeStdio(stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) {
      for (const stream of [stdout, stderr])
        stream.on('data', (chunk: Buffer | string) => {
          logs += chunk.toString();
        });
    },
    ...(options.persistDir ? { durableObjectsPersist: options.persistDir } : {}),
  };
  // A single Worker is configured at the top level: behind Miniflare's named-worker routing a client
  // disconnect never reaches the Worker's request.signal, so the abort tests need this shape.
  const mf = new Miniflare(
    options.secondIsolate ? { workers: [first, second], ...shared } : { ...first, ...shared },
  );
  const url = (await mf.ready).href.replace(/\/$/, '');
  return {
    url,
    mf,
    async fetchSecond(path, init) {
      const worker = await mf.getWorker('router-b');
      const response = await worker.fetch(`http://router-b${path}`, init as never);
      return response as unknown as Response;
    },
    async cron(scheduledTime) {
      const worker = await mf.getWorker();
      const result = await worker.scheduled({ scheduledTime: new Date(scheduledTime), cron: '* * * * *' });
      if (result.outcome !== 'ok') throw new Error(`scheduled handler outcome: ${result.outcome}`);
    },
    async stateCalls(shards) {
      const namespace = await mf.getDurableObjectNamespace('ROUTER_STATE');
      let total = 0;
      for (const shard of shards) {
        const stub = namespace.get(namespace.idFromName(shard)) as unknown as { calls(): Promise<number> };
        total += await stub.calls();
      }
      return total;
    },
    logs: () => logs,
    close: () => mf.dispose(),
  };
}

import { join } from 'node:path';
import { Miniflare, type WorkerOptions } from 'miniflare';
import {
  type BackendEntry,
  backendFileYaml,
  type ConfigTree,
  defaultMainConfig,
  mergeConfig,
} from '../support/router-fixture.ts';
import { bundleWorker, COMPATIBILITY_DATE, COMPATIBILITY_FLAGS, ROOT } from './worker-bundle.ts';

export interface WorkerTargetOptions {
  readonly main?: ConfigTree;
  readonly backends: readonly BackendEntry[];
  /** Extra string bindings (secrets, ALLOW_NO_AUTH). */
  readonly bindings?: Record<string, string>;
  /** Serve public/ (or this directory) as the dashboard assets. */
  readonly assets?: string | boolean;
  /** A second Worker (its own isolate) sharing the first one's Durable Objects. */
  readonly secondIsolate?: boolean;
}

export interface WorkerTarget {
  readonly url: string;
  readonly mf: Miniflare;
  /** Fetch through the second isolate (requires `secondIsolate`). */
  fetchSecond(path: string, init?: RequestInit): Promise<Response>;
  /** Fire the cron handler as Cloudflare would at `scheduledTime` (default: a whole hour, so every interval is due). */
  cron(scheduledTime?: number): Promise<void>;
  close(): Promise<void>;
}

/** The test main config of the Node fixture, plus what the Worker needs (a key, the dashboard on). */
export function workerMainConfig(main: ConfigTree = {}): ConfigTree {
  return mergeConfig(defaultMainConfig(), main);
}

/**
 * The real Worker bundle under workerd (Miniflare), configured through the ROUTER_CONFIG and
 * ROUTER_BACKENDS bindings so it fronts simulated backends on ephemeral 127.0.0.1 ports.
 */
export async function startWorkerTarget(options: WorkerTargetOptions): Promise<WorkerTarget> {
  const scriptPath = await bundleWorker();
  const bindings = {
    ROUTER_CONFIG: `${JSON.stringify(workerMainConfig(options.main))}\n`,
    ROUTER_BACKENDS: JSON.stringify({ 'self_deployed_test.yaml': backendFileYaml(options.backends) }),
    ...options.bindings,
  };
  const assetsDir =
    options.assets === true
      ? join(ROOT, 'public')
      : typeof options.assets === 'string'
        ? options.assets
        : undefined;
  const base: WorkerOptions = {
    modules: true,
    scriptPath,
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: COMPATIBILITY_FLAGS,
    bindings,
  };
  const first: WorkerOptions = {
    ...base,
    name: 'router',
    durableObjects: { ROUTER_STATE: 'RouterStateObject', SCHEDULER: 'BackgroundScheduler' },
    ...(assetsDir
      ? {
          assets: {
            directory: assetsDir,
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
      ROUTER_STATE: { className: 'RouterStateObject', scriptName: 'router' },
      SCHEDULER: { className: 'BackgroundScheduler', scriptName: 'router' },
    },
  };
  // A single Worker is configured at the top level: behind Miniflare's named-worker routing a client
  // disconnect never reaches the Worker's request.signal, so the abort tests need this shape.
  const mf = new Miniflare(
    options.secondIsolate ? { workers: [first, second], cf: false } : { ...first, cf: false },
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
    async cron(scheduledTime = 3_600_000) {
      const worker = await mf.getWorker();
      const result = await worker.scheduled({ scheduledTime: new Date(scheduledTime), cron: '* * * * *' });
      if (result.outcome !== 'ok') throw new Error(`scheduled handler outcome: ${result.outcome}`);
    },
    close: () => mf.dispose(),
  };
}

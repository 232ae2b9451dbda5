import { join } from 'node:path';
import type { Miniflare } from 'miniflare';
import { ROOT } from '../../tools/miniflare/bundle-worker.ts';
import { startWorker } from '../../tools/miniflare/start-worker.ts';
import {
  type BackendEntry,
  backendFileYaml,
  type ConfigTree,
  defaultMainConfig,
  mergeConfig,
} from '../support/router-fixture.ts';

export interface WorkerTargetOptions {
  readonly main?: ConfigTree;
  readonly backends: readonly BackendEntry[];
  /** Extra string bindings (secrets, ALLOW_NO_AUTH, ROUTER_LINGER_MS). */
  readonly bindings?: Record<string, string>;
  /** Serve public/ (or this directory) as the dashboard assets. */
  readonly assets?: string | boolean;
  /** A second Worker (its own isolate) sharing the first one's Durable Objects. */
  readonly secondIsolate?: boolean;
  /** Durable Object storage on disk here: a second target on the same directory restarts the objects. */
  readonly persistDir?: string;
  /** A harness entry that re-exports the Worker (e.g. with fault-injecting objects). */
  readonly entry?: string;
}

export interface WorkerTarget {
  readonly url: string;
  readonly mf: Miniflare;
  /** Fetch through the second isolate (requires `secondIsolate`). */
  fetchSecond(path: string, init?: RequestInit): Promise<Response>;
  /** Fire the cron handler as Cloudflare would at `scheduledTime` (default: a whole hour, so every interval is due). */
  cron(scheduledTime?: number): Promise<void>;
  /** RPCs answered so far by the named state objects together. */
  stateCalls(shards: readonly string[]): Promise<number>;
  /** Everything workerd printed so far. */
  logs(): string;
  close(): Promise<void>;
}

/** The test main config of the Node fixture, plus what the Worker needs (a key, the dashboard on). */
export function workerMainConfig(main: ConfigTree = {}): ConfigTree {
  return mergeConfig(defaultMainConfig(), main);
}

/**
 * The real Worker bundle under workerd (Miniflare), configured with the Node fixture's config trees so
 * both runtimes run the same test config in front of simulated backends on ephemeral 127.0.0.1 ports.
 */
export async function startWorkerTarget(options: WorkerTargetOptions): Promise<WorkerTarget> {
  const assetsDir =
    options.assets === true
      ? join(ROOT, 'public')
      : typeof options.assets === 'string'
        ? options.assets
        : undefined;
  const worker = await startWorker({
    mainConfig: `${JSON.stringify(workerMainConfig(options.main))}\n`,
    backendFiles: { 'self_deployed_test.yaml': backendFileYaml(options.backends) },
    ...(options.bindings ? { bindings: options.bindings } : {}),
    ...(assetsDir ? { assetsDir } : {}),
    ...(options.secondIsolate ? { secondIsolate: true } : {}),
    ...(options.persistDir ? { persistDir: options.persistDir } : {}),
    ...(options.entry ? { entry: options.entry } : {}),
  });
  return { ...worker, cron: (scheduledTime = 3_600_000) => worker.cron(scheduledTime) };
}

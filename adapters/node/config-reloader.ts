import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError, type LlmRouter, type Logger, type MainConfig } from '../../src/index.ts';
import {
  backendDirOf,
  type ConfigOverrides,
  type LoadedBackendFile,
  listBackendFiles,
  loadBackendFile,
  loadMainConfig,
} from './load-config.ts';

export interface ConfigReloaderOptions {
  readonly configPath: string;
  readonly overrides: ConfigOverrides;
  readonly router: LlmRouter;
  readonly log: Logger;
  /** Called after a valid config.yaml was applied (e.g. to change the log level). */
  readonly onMainConfig?: (config: MainConfig) => void;
  /** Editors write files in bursts; wait this long after the last event. */
  readonly debounceMs?: number;
  /** Polling fallback for filesystems without reliable events (NFS, some container mounts). */
  readonly pollMs?: number;
}

/** Settings a running process cannot change: logged when a reload touches them. */
const RESTART_ONLY: ReadonlyArray<[string, (c: MainConfig) => unknown]> = [
  ['server.host', (c) => c.server.host],
  ['server.port', (c) => c.server.port],
  ['server.request_read_timeout', (c) => c.server.request_read_timeout],
  ['dashboard.web_port', (c) => c.dashboard.web_port],
  ['http_client', (c) => JSON.stringify(c.http_client)],
];

/**
 * Hot reload (SPEC §7): watches config.yaml and the backend directory, diffs per file, validates a whole
 * file before applying it, and keeps the previous version running (reported) when a file is broken.
 */
export class ConfigReloader {
  readonly #options: ConfigReloaderOptions;
  readonly #texts = new Map<string, string | null>();
  /** Text of each file last rejected, so a file that stays broken is reported once, not on every poll. */
  readonly #rejected = new Map<string, string | null>();
  #mainText: string | null = null;
  #chain: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #watchers: FSWatcher[] = [];
  #poll: NodeJS.Timeout | undefined;

  constructor(options: ConfigReloaderOptions) {
    this.#options = options;
  }

  /** Record what startup applied, so the first reload only touches what changed since. */
  async remember(files: readonly LoadedBackendFile[]): Promise<void> {
    for (const file of files) this.#texts.set(resolve(file.path), file.text);
    this.#mainText = await readFile(this.#options.configPath, 'utf8').catch(() => null);
  }

  /** Re-read everything now; runs are serialised and never throw. */
  reload(): Promise<void> {
    this.#chain = this.#chain
      .then(() => this.#reloadOnce())
      .catch((error: unknown) => {
        this.#options.log.error('reload failed', { error: String(error) });
      });
    return this.#chain;
  }

  start(): void {
    const { configPath, router } = this.#options;
    const debounce = this.#options.debounceMs ?? 200;
    const schedule = () => {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = setTimeout(() => void this.reload(), debounce);
      this.#timer.unref();
    };
    // Watch directories, not files: editors and `mv` replace the inode, which file watches lose.
    for (const dir of new Set([dirname(resolve(configPath)), backendDirOf(configPath, router.config)])) {
      try {
        const watcher = watch(dir, { persistent: false }, schedule);
        watcher.on('error', () => undefined);
        this.#watchers.push(watcher);
      } catch {
        this.#options.log.warn('cannot watch directory, relying on polling', { dir });
      }
    }
    this.#poll = setInterval(() => void this.reload(), this.#options.pollMs ?? 2000);
    this.#poll.unref();
  }

  stop(): void {
    for (const watcher of this.#watchers) watcher.close();
    this.#watchers = [];
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#poll) clearInterval(this.#poll);
  }

  async #reloadOnce(): Promise<void> {
    const { router, log, configPath } = this.#options;
    await this.#reloadMain();
    const config = router.config;
    const dir = backendDirOf(configPath, config);
    const listed = (await listBackendFiles(dir, config.backends.enabled_sources)).map((p) => resolve(p));
    // Files applied before but no longer listed (deleted, renamed, or their source disabled) are removed.
    const paths = new Set([...listed, ...router.pool.files.map((p) => resolve(p)), ...this.#texts.keys()]);
    for (const path of paths) {
      let loaded: LoadedBackendFile;
      try {
        loaded = listed.includes(path)
          ? await loadBackendFile(path, config)
          : { path, text: null, backends: [], warnings: [] };
      } catch (error) {
        const text = await readFile(path, 'utf8').catch(() => null);
        if (text !== null && text === this.#rejected.get(path)) continue;
        this.#rejected.set(path, text);
        router.reportConfigError(path, error instanceof ConfigError ? error.message : String(error));
        continue;
      }
      this.#rejected.delete(path);
      router.clearConfigError(path);
      if (this.#texts.has(path) && this.#texts.get(path) === loaded.text) continue;
      this.#texts.set(path, loaded.text);
      for (const warning of loaded.warnings) log.warn(warning);
      const change = await router.applyBackendFile(
        path,
        loaded.text === null ? null : loaded.backends,
        false,
      );
      log.info('backend file reloaded', {
        file: path,
        added: change.added.length,
        removed: change.removed.length,
        changed: change.changed.length,
      });
    }
  }

  async #reloadMain(): Promise<void> {
    const { router, log, configPath } = this.#options;
    const text = await readFile(configPath, 'utf8').catch(() => null);
    if (text === null || text === this.#mainText) return;
    this.#mainText = text;
    let next: MainConfig;
    try {
      next = await loadMainConfig(configPath, this.#options.overrides);
    } catch (error) {
      router.reportConfigError(configPath, error instanceof ConfigError ? error.message : String(error));
      return;
    }
    router.clearConfigError(configPath);
    const before = router.config;
    for (const [key, read] of RESTART_ONLY) {
      if (read(before) !== read(next)) log.warn('setting changed but needs a restart to apply', { key });
    }
    router.updateConfig({
      ...next,
      server: { ...next.server, host: before.server.host, port: before.server.port },
      http_client: before.http_client,
    });
    this.#options.onMainConfig?.(next);
    log.info('config.yaml reloaded', { file: configPath, strategy: next.routing.strategy });
  }
}

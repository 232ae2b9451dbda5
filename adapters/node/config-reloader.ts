import { type FSWatcher, watch } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  backendFileFrom,
  ConfigError,
  type ConfigOverrides,
  type LlmRouter,
  type LoadedBackendFile,
  type Logger,
  type MainConfig,
  mainConfigFrom,
} from '../../src/index.ts';
import { warnIfExposed } from './exposure-warning.ts';
import { backendDirOf, listBackendFiles, readBackendText, readMainText } from './load-config.ts';

export interface ConfigReloaderOptions {
  readonly configPath: string;
  readonly overrides: ConfigOverrides;
  readonly router: LlmRouter;
  /** The config the router was started with (with overrides): the base every reload compares against. */
  readonly config: MainConfig;
  readonly log: Logger;
  /** Called after a valid config.yaml was applied (e.g. to change the log level). */
  readonly onMainConfig?: (config: MainConfig) => void;
  /**
   * Called with each text once applied, config.yaml's or a backend file's (null: gone): the cluster
   * primary sends them on to its workers, which apply them the same way (liveConfigFrom, then the
   * backend file).
   */
  readonly onApplied?: {
    main(text: string): void;
    backendFile(path: string, text: string | null): void;
  };
  /**
   * Editors write files in bursts: a watched change applies this long after the last event, a polled
   * one only once two reads this far apart agree.
   */
  readonly debounceMs?: number;
  /** Polling fallback for filesystems without reliable events (NFS, some container mounts). */
  readonly pollMs?: number;
  /** Watch the directories for file events (default true); false leaves it to polling. */
  readonly watch?: boolean;
}

/** One read of a file: its text (null when it does not exist), or why it could not be read. */
type FileRead = { readonly text: string | null } | { readonly error: string };

/**
 * A file that reads empty is usually one being rewritten (truncated, its text not written yet), and a
 * stalled write can outlast any debounce. Emptying a file on purpose is rare, and deleting it says the
 * same at once, so an empty read must last this long before a watched or polled reload applies it.
 */
const EMPTY_HOLD_MS = 1500;

function isEmptyText(read: FileRead | undefined): boolean {
  return read !== undefined && 'text' in read && read.text !== null && read.text.trim() === '';
}

function sameRead(a: FileRead | undefined, b: FileRead | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if ('error' in a || 'error' in b) return 'error' in a && 'error' in b && a.error === b.error;
  return a.text === b.text;
}

/**
 * What a running process applies of a reloaded config.yaml: everything but what it cannot change
 * (where it listens, its HTTP client pools); the rest of RESTART_ONLY is read once at start anyway.
 */
export function liveConfigFrom(next: MainConfig, started: MainConfig): MainConfig {
  return {
    ...next,
    server: {
      ...next.server,
      host: started.server.host,
      port: started.server.port,
      workers: started.server.workers,
    },
    http_client: started.http_client,
    state: started.state,
  };
}

/** Settings a running process cannot change: logged when a reload touches them. */
const RESTART_ONLY: ReadonlyArray<[string, (c: MainConfig) => unknown]> = [
  ['server.host', (c) => c.server.host],
  ['server.port', (c) => c.server.port],
  ['server.request_read_timeout', (c) => c.server.request_read_timeout],
  ['dashboard.enabled', (c) => c.dashboard.enabled],
  ['dashboard.web_port', (c) => c.dashboard.web_port],
  [
    'log.file / dir / max_size_mb / max_backups / max_age_days',
    (c) => JSON.stringify({ ...c.log, level: undefined }),
  ],
  ['http_client', (c) => JSON.stringify(c.http_client)],
  ['server.workers', (c) => c.server.workers],
  ['state', (c) => JSON.stringify(c.state)],
];

/**
 * Hot reload (SPEC §7): watches config.yaml and the backend directory, diffs per file, validates a whole
 * file before applying it, and keeps the previous version running (reported) when a file is broken or
 * the directory cannot be listed.
 */
export class ConfigReloader {
  readonly #options: ConfigReloaderOptions;
  readonly #debounceMs: number;
  readonly #texts = new Map<string, string | null>();
  /** What each file read as when last rejected: a file that stays broken is reported once, not every poll. */
  readonly #rejected = new Map<string, FileRead>();
  /** When each file was first seen empty by a settled read (EMPTY_HOLD_MS). */
  readonly #emptySince = new Map<string, number>();
  #dirError: { readonly dir: string; readonly message: string } | null = null;
  #mainText: string | null = null;
  /** config.yaml as last applied (with overrides, host/port/http_client as started). */
  #config: MainConfig;
  #chain: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #watchers: FSWatcher[] = [];
  #poll: NodeJS.Timeout | undefined;
  #polling = false;
  #stopped = false;

  constructor(options: ConfigReloaderOptions) {
    this.#options = options;
    this.#config = options.config;
    this.#debounceMs = options.debounceMs ?? 200;
  }

  /** Record what startup applied, so the first reload only touches what changed since. */
  async remember(files: readonly LoadedBackendFile[]): Promise<void> {
    for (const file of files) this.#texts.set(resolve(file.file), file.text);
    this.#mainText = await readMainText(this.#options.configPath).catch(() => null);
  }

  /** Re-read everything now and apply what changed; runs are serialised and never throw. */
  reload(): Promise<void> {
    return this.#enqueue(false);
  }

  start(): void {
    const { configPath } = this.#options;
    this.#stopped = false;
    // An event says a write began, not that it ended: writeFile truncates first, and on a busy machine
    // its write can come long after. So an event-driven reload also applies only what two reads agree on,
    // or it could apply an empty file and drop every backend in it for a moment.
    const schedule = () => {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = setTimeout(() => void this.#enqueue(true), this.#debounceMs);
      this.#timer.unref();
    };
    if (this.#options.watch !== false) {
      // Watch directories, not files: editors and `mv` replace the inode, which file watches lose.
      for (const dir of new Set([dirname(resolve(configPath)), backendDirOf(configPath, this.#config)])) {
        try {
          const watcher = watch(dir, { persistent: false }, schedule);
          watcher.on('error', () => undefined);
          this.#watchers.push(watcher);
        } catch {
          this.#options.log.warn('cannot watch directory, relying on polling', { dir });
        }
      }
    }
    this.#poll = setInterval(() => {
      // A poll still waiting for its files to settle is not queued again behind itself.
      if (this.#polling) return;
      this.#polling = true;
      void this.#enqueue(true).finally(() => {
        this.#polling = false;
      });
    }, this.#options.pollMs ?? 2000);
    this.#poll.unref();
  }

  stop(): void {
    this.#stopped = true;
    for (const watcher of this.#watchers) watcher.close();
    this.#watchers = [];
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#poll) clearInterval(this.#poll);
  }

  #enqueue(settle: boolean): Promise<void> {
    this.#chain = this.#chain
      .then(async () => {
        await this.#reloadMain(settle);
        await this.#reloadBackends(settle);
      })
      .catch((error: unknown) => {
        this.#options.log.error('reload failed', { error: String(error) });
      });
    return this.#chain;
  }

  /**
   * Neither a poll nor a file event tells when a write is over, and a file being rewritten (truncate,
   * then write) reads empty in between: wait one debounce and apply only what read the same both times.
   */
  async #settleWait(): Promise<boolean> {
    await sleep(this.#debounceMs, undefined, { ref: false });
    return !this.#stopped;
  }

  async #reloadBackends(settle: boolean): Promise<void> {
    const { router, configPath } = this.#options;
    const config = this.#config;
    const dir = backendDirOf(configPath, config);
    const listed = await this.#list(dir, config);
    if (listed === null) return;
    // Files applied before but no longer listed (deleted, renamed, or their source disabled) are removed.
    const paths = [
      ...new Set([...listed, ...router.backendFiles.map((p) => resolve(p)), ...this.#texts.keys()]),
    ];
    let reads = await readAll(paths, listed);
    let pending = paths.filter((path) => this.#needsWork(path, reads.get(path)));
    if (settle && pending.length > 0) {
      if (!(await this.#settleWait())) return;
      const relisted = await this.#list(dir, config);
      if (relisted === null) return;
      const again = await readAll(pending, relisted);
      // Still changing: the next poll looks again.
      pending = pending.filter((path) => sameRead(reads.get(path), again.get(path)));
      reads = again;
      const now = Date.now();
      pending = pending.filter((path) => {
        if (!isEmptyText(reads.get(path))) {
          this.#emptySince.delete(path);
          return true;
        }
        const since = this.#emptySince.get(path) ?? now;
        this.#emptySince.set(path, since);
        return now - since >= EMPTY_HOLD_MS;
      });
    }
    for (const path of pending) {
      const read = reads.get(path);
      if (read) await this.#applyFile(path, read, config);
    }
  }

  /** Resolved paths of the listed backend files, or null (reported) when the directory cannot be read. */
  async #list(dir: string, config: MainConfig): Promise<Set<string> | null> {
    const { router } = this.#options;
    let files: string[];
    try {
      files = await listBackendFiles(dir, config.backends.enabled_sources);
    } catch (error) {
      // Without a listing every file would look deleted and the pool would empty: keep it, say why.
      const message = error instanceof ConfigError ? error.message : String(error);
      if (this.#dirError?.dir !== dir || this.#dirError.message !== message) {
        if (this.#dirError) router.configStatus.clear(this.#dirError.dir);
        this.#dirError = { dir, message };
        router.configStatus.report(dir, message);
      }
      return null;
    }
    if (this.#dirError) {
      router.configStatus.clear(this.#dirError.dir);
      this.#dirError = null;
    }
    return new Set(files.map((path) => resolve(path)));
  }

  #needsWork(path: string, read: FileRead | undefined): boolean {
    if (read === undefined) return false;
    const rejected = this.#rejected.get(path);
    if (rejected !== undefined && sameRead(rejected, read)) return false;
    if ('error' in read) return true;
    return rejected !== undefined || !this.#texts.has(path) || this.#texts.get(path) !== read.text;
  }

  async #applyFile(path: string, read: FileRead, config: MainConfig): Promise<void> {
    const { router, log } = this.#options;
    let loaded: LoadedBackendFile;
    try {
      if ('error' in read) throw new ConfigError(path, [read.error]);
      loaded = backendFileFrom(path, read.text, config, (name) => process.env[name]);
    } catch (error) {
      this.#rejected.set(path, read);
      router.configStatus.report(path, error instanceof ConfigError ? error.message : String(error));
      return;
    }
    this.#rejected.delete(path);
    router.configStatus.clear(path);
    if (this.#texts.has(path) && this.#texts.get(path) === loaded.text) return;
    this.#texts.set(path, loaded.text);
    for (const warning of loaded.warnings) log.warn(warning);
    const change = await router.applyBackendFile(path, loaded.text === null ? null : loaded.backends, false);
    this.#options.onApplied?.backendFile(path, loaded.text);
    log.info('backend file reloaded', {
      file: path,
      added: change.added.length,
      removed: change.removed.length,
      changed: change.changed.length,
    });
  }

  async #reloadMain(settle: boolean): Promise<void> {
    const { router, log, configPath } = this.#options;
    const text = await readMainText(configPath).catch(() => null);
    if (text === null || text === this.#mainText) return;
    if (settle) {
      if (!(await this.#settleWait())) return;
      if ((await readMainText(configPath).catch(() => null)) !== text) return;
    }
    this.#mainText = text;
    const before = this.#config;
    let next: MainConfig;
    try {
      next = mainConfigFrom(text, configPath, this.#options.overrides);
      const applied = liveConfigFrom(next, before);
      router.updateConfig(applied);
      this.#config = applied;
    } catch (error) {
      router.configStatus.report(configPath, error instanceof ConfigError ? error.message : String(error));
      return;
    }
    router.configStatus.clear(configPath);
    for (const [key, read] of RESTART_ONLY) {
      if (read(before) !== read(next)) log.warn('setting changed but needs a restart to apply', { key });
    }
    this.#options.onMainConfig?.(next);
    this.#options.onApplied?.main(text);
    log.info('config.yaml reloaded', { file: configPath, strategy: next.routing.strategy });
    // Keys removed by an edit open the router as surely as none at start-up.
    if (before.server.api_keys.length > 0) warnIfExposed(this.#config, log);
  }
}

/** Listed files are read; the others (deleted, or their source disabled) read as gone. */
async function readAll(
  paths: readonly string[],
  listed: ReadonlySet<string>,
): Promise<Map<string, FileRead>> {
  const reads = new Map<string, FileRead>();
  for (const path of paths) {
    if (!listed.has(path)) {
      reads.set(path, { text: null });
      continue;
    }
    try {
      reads.set(path, { text: await readBackendText(path) });
    } catch (error) {
      reads.set(path, { error: error instanceof ConfigError ? error.problems.join('; ') : String(error) });
    }
  }
  return reads;
}

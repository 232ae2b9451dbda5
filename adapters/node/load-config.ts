import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  type Backend,
  ConfigError,
  type MainConfig,
  parseBackendFile,
  parseMainConfig,
  sourceOfFile,
} from '../../src/index.ts';

export interface ConfigOverrides {
  readonly logLevel?: MainConfig['log']['level'];
  readonly enabledSources?: readonly string[];
  readonly port?: number;
  readonly host?: string;
}

export interface LoadedBackendFile {
  readonly path: string;
  /** Text as read (null when the file is gone), so a reload can skip unchanged files. */
  readonly text: string | null;
  readonly backends: Backend[];
  readonly warnings: string[];
}

/** Read and validate config.yaml, apply CLI overrides; throws ConfigError naming file, key and problem. */
export async function loadMainConfig(path: string, overrides: ConfigOverrides = {}): Promise<MainConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [
      `cannot read file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    ]);
  }
  return mainConfigFrom(text, path, overrides);
}

/** Validate config.yaml text already read (a reload applies exactly the text it saw settle). */
export function mainConfigFrom(text: string, path: string, overrides: ConfigOverrides = {}): MainConfig {
  const config = parseMainConfig(text, path);
  return {
    ...config,
    server: {
      ...config.server,
      ...(overrides.port === undefined ? {} : { port: overrides.port }),
      ...(overrides.host === undefined ? {} : { host: overrides.host }),
    },
    log: { ...config.log, ...(overrides.logLevel ? { level: overrides.logLevel } : {}) },
    backends: {
      ...config.backends,
      ...(overrides.enabledSources ? { enabled_sources: [...overrides.enabledSources] } : {}),
    },
  };
}

/** `backends.config_dir` is resolved relative to the main config file, not the working directory. */
export function backendDirOf(configPath: string, config: MainConfig): string {
  return resolve(dirname(resolve(configPath)), config.backends.config_dir);
}

/**
 * Backend files in the directory whose name selects an enabled source, sorted for a stable order.
 * Throws ConfigError when the directory cannot be read: an empty answer would read as "every file deleted".
 */
export async function listBackendFiles(dir: string, enabledSources: readonly string[]): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    throw new ConfigError(dir, [
      `cannot read backend directory: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    ]);
  }
  return names
    .filter((name) => sourceOfFile(name, enabledSources) !== undefined)
    .sort()
    .map((name) => join(dir, name));
}

/** Read and validate one backend file; a missing file yields no backends (it was deleted). */
export async function loadBackendFile(path: string, config: MainConfig): Promise<LoadedBackendFile> {
  if (sourceOfFile(basename(path), config.backends.enabled_sources) === undefined)
    return { path, text: null, backends: [], warnings: [] };
  return backendFileFrom(path, await readBackendText(path), config);
}

/** A backend file's text, or null when it does not exist; other read errors throw ConfigError. */
export async function readBackendText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigError(path, [`cannot read file: ${String(error)}`]);
  }
}

/** Validate backend file text already read; null (deleted) or a disabled source yields no backends. */
export function backendFileFrom(path: string, text: string | null, config: MainConfig): LoadedBackendFile {
  const source = sourceOfFile(basename(path), config.backends.enabled_sources);
  if (source === undefined || text === null) return { path, text: null, backends: [], warnings: [] };
  const parsed = parseBackendFile(text, path, {
    source,
    secrets: (name) => process.env[name],
    skipMetricsSources: config.monitor.skip_sources,
  });
  return { path, text, backends: parsed.backends, warnings: parsed.warnings };
}

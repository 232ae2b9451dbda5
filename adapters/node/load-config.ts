import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  ConfigError,
  type ConfigTexts,
  type MainConfig,
  mainConfigFrom,
  sourceOfFile,
} from '../../src/index.ts';

/** config.yaml's text; a missing or unreadable file is a ConfigError naming it. */
export async function readMainText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [
      `cannot read file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    ]);
  }
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

/** A backend file's text, or null when it does not exist; other read errors throw ConfigError. */
export async function readBackendText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigError(path, [`cannot read file: ${String(error)}`]);
  }
}

/**
 * config.yaml and the enabled backend files as texts, for the core's createRouter. `onDirProblem` hears
 * why the backend directory gave no files (unreadable or empty); neither is fatal: a reload picks them up.
 */
export async function readConfigTexts(
  configPath: string,
  enabledSources: readonly string[] | undefined,
  onDirProblem: (message: string, fields: Record<string, string>) => void,
): Promise<ConfigTexts> {
  const main = await readMainText(configPath);
  // Parsed once here only to find the backend directory; createRouter reports any problem with it.
  const config = mainConfigFrom(main, configPath, enabledSources ? { enabledSources } : {});
  const dir = backendDirOf(configPath, config);
  const files = await listBackendFiles(dir, config.backends.enabled_sources).catch((error: unknown) => {
    onDirProblem('cannot read backend directory', { dir, error: String(error) });
    return [];
  });
  if (files.length === 0)
    onDirProblem('no backend files found', {
      dir,
      enabled_sources: config.backends.enabled_sources.join(','),
    });
  const backends: Record<string, string> = {};
  for (const file of files) {
    const text = await readBackendText(file);
    if (text !== null) backends[file] = text;
  }
  return { mainFile: configPath, main, backends };
}

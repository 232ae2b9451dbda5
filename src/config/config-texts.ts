import type { Backend } from '../pool/backend.ts';
import type { MainConfig } from './main-config-schema.ts';
import { parseBackendFile } from './parse-backend-file.ts';
import { parseMainConfig } from './parse-main-config.ts';
import type { SecretSource } from './resolve-secret.ts';
import { sourceOfFile } from './source-of-file.ts';

/** The raw config, before any parsing: read from files on Node, bundled or bound on Workers. */
export interface ConfigTexts {
  /** Name config.yaml is reported under (its path on Node). */
  readonly mainFile: string;
  readonly main: string;
  /** Backend file name (a path on Node) -> YAML text; only files of enabled sources are used. */
  readonly backends: Readonly<Record<string, string>>;
}

/** Command-line values that replace config.yaml's (Node). */
export interface ConfigOverrides {
  readonly logLevel?: MainConfig['log']['level'];
  readonly enabledSources?: readonly string[];
  readonly port?: number;
  readonly host?: string;
}

export interface LoadedBackendFile {
  readonly file: string;
  /** Text as read (null when the file is gone or its source disabled), so a reload can skip unchanged files. */
  readonly text: string | null;
  readonly backends: Backend[];
  readonly warnings: string[];
}

/** Validate config.yaml text and apply overrides; throws ConfigError naming file, key and problem. */
export function mainConfigFrom(text: string, file: string, overrides: ConfigOverrides = {}): MainConfig {
  const config = parseMainConfig(text, file);
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

/** The file's name without its directories: the part `backends.enabled_sources` selects by. */
export function baseName(file: string): string {
  return file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
}

/** Whether a backend file belongs to an enabled source (and so is loaded at all). */
export function isEnabledBackendFile(file: string, config: MainConfig): boolean {
  return sourceOfFile(baseName(file), config.backends.enabled_sources) !== undefined;
}

/**
 * Validate one backend file's text; null (deleted) or a file of a disabled source yields no backends.
 * Throws ConfigError naming file and key path.
 */
export function backendFileFrom(
  file: string,
  text: string | null,
  config: MainConfig,
  secrets: SecretSource,
): LoadedBackendFile {
  const source = sourceOfFile(baseName(file), config.backends.enabled_sources);
  if (source === undefined || text === null) return { file, text: null, backends: [], warnings: [] };
  const parsed = parseBackendFile(text, file, {
    source,
    secrets,
    skipMetricsSources: config.monitor.skip_sources,
  });
  return { file, text, backends: parsed.backends, warnings: parsed.warnings };
}

/**
 * Every text through the parse functions, the same on each runtime: config.yaml (with overrides), then
 * the backend files of enabled sources in name order. Throws the first ConfigError.
 */
export function parseConfigTexts(
  texts: ConfigTexts,
  secrets: SecretSource,
  overrides: ConfigOverrides = {},
): { config: MainConfig; files: LoadedBackendFile[] } {
  const config = mainConfigFrom(texts.main, texts.mainFile, overrides);
  const files = Object.keys(texts.backends)
    .filter((file) => isEnabledBackendFile(file, config))
    .sort()
    .map((file) => backendFileFrom(file, texts.backends[file] ?? null, config, secrets));
  return { config, files };
}

import {
  type Backend,
  type MainConfig,
  parseBackendFile,
  parseMainConfig,
  type SecretSource,
  sourceOfFile,
} from '../../src/index.ts';

/** The raw config: file name -> YAML text, before any parsing (bundled at build time or from bindings). */
export interface ConfigTexts {
  readonly mainFile: string;
  readonly main: string;
  readonly backends: Readonly<Record<string, string>>;
}

export interface ParsedBackendFileEntry {
  readonly file: string;
  readonly backends: Backend[];
  readonly warnings: string[];
}

export interface ParsedConfig {
  readonly config: MainConfig;
  readonly files: readonly ParsedBackendFileEntry[];
}

/**
 * The config texts through the core's own parse functions, exactly as the Node adapter runs them: files
 * whose name selects no enabled source are skipped, the rest are validated in name order. Throws the
 * core's ConfigError (file, key path, problem).
 */
export function parseConfigTexts(texts: ConfigTexts, secrets: SecretSource): ParsedConfig {
  const config = parseMainConfig(texts.main, texts.mainFile);
  const files: ParsedBackendFileEntry[] = [];
  for (const file of Object.keys(texts.backends).sort()) {
    const source = sourceOfFile(file.slice(file.lastIndexOf('/') + 1), config.backends.enabled_sources);
    if (source === undefined) continue;
    const parsed = parseBackendFile(texts.backends[file] ?? '', file, {
      source,
      secrets,
      skipMetricsSources: config.monitor.skip_sources,
    });
    files.push({ file, backends: parsed.backends, warnings: parsed.warnings });
  }
  return { config, files };
}

import { dirname, resolve } from 'node:path';
import {
  type Clock,
  ConfigError,
  type Logger,
  type LogLevel,
  type MainConfig,
  type Random,
  type RouterRuntime,
  type SystemInfo,
  systemClock,
  systemRandom,
} from '../../src/index.ts';
import { createConsoleLogger } from './console-logger.ts';
import { VERSION } from './project-files.ts';
import { RotatingLogFile } from './rotating-log-file.ts';
import { createUndiciTransport } from './undici-transport.ts';

export type NodeTransport = ReturnType<typeof createUndiciTransport>;

export interface NodeRuntimeOptions
  extends Pick<RouterRuntime, 'state' | 'sharedRounds' | 'tuning' | 'notices' | 'inflight'> {
  readonly configPath: string;
  /** Replaces the console logger and the log.file output (tests, embedding). */
  readonly log?: Logger;
  /** -log-level: wins over log.level, also on reload. */
  readonly logLevel?: LogLevel;
  readonly clock?: Clock;
  readonly random?: Random;
  /** Default: this process's memory. */
  readonly systemInfo?: () => SystemInfo;
  /**
   * Where log.file lines go: the rotating file this process opens (default), or another process that
   * owns it (a cluster worker hands its lines to the primary).
   */
  readonly logFile?: { write(line: string): void };
  /** Fields on every console line (a cluster worker's number). */
  readonly logFields?: Readonly<Record<string, string | number>>;
}

/** What the Node runtime built for createRouter, kept for the composition root. */
export interface NodeRuntime {
  readonly runtime: RouterRuntime<NodeTransport>;
  /** The log file this process opened (log.file), once the config was read. */
  logFile(): RotatingLogFile | null;
  /** Hot reload of log.level (the -log-level flag wins). */
  setLevel(config: MainConfig): void;
}

/** This process's memory and runtime, for the dashboard. */
export function processInfo(runtime = `node ${process.version}`): SystemInfo {
  return { memoryMb: Math.round(process.memoryUsage.rss() / 1024 / 102.4) / 10, runtime, version: VERSION };
}

/** The Node side of `createRouter`: env secrets, console + file logs, the undici transport. */
export function nodeRuntime(options: NodeRuntimeOptions): NodeRuntime {
  let consoleLog: ReturnType<typeof createConsoleLogger> | undefined;
  let logFile: RotatingLogFile | null = null;
  const runtime: RouterRuntime<NodeTransport> = {
    clock: options.clock ?? systemClock,
    random: options.random ?? systemRandom,
    secrets: (name) => process.env[name],
    systemInfo: options.systemInfo ?? (() => processInfo()),
    log: (config) => {
      if (options.log) return options.log;
      if (config.log.file && !options.logFile) logFile = openLogFile(config, options.configPath);
      const file = config.log.file ? (options.logFile ?? logFile) : null;
      consoleLog = createConsoleLogger({
        level: options.logLevel ?? config.log.level,
        ...(file ? { file } : {}),
        ...(options.logFields ? { fields: options.logFields } : {}),
      });
      return consoleLog;
    },
    transport: (config) =>
      createUndiciTransport({
        connectTimeoutMs: config.http_client.connect_timeout * 1000,
        headersTimeoutMs: config.http_client.header_timeout * 1000,
        idleTimeoutMs: config.http_client.idle_timeout * 1000,
        requestTimeoutMs: config.http_client.request_timeout * 1000,
        maxConnsPerHost: config.http_client.max_conns_per_host,
        keepAliveTimeoutMs: config.http_client.keep_alive_timeout * 1000,
      }),
    state: options.state,
    ...(options.sharedRounds === undefined ? {} : { sharedRounds: options.sharedRounds }),
    ...(options.tuning === undefined ? {} : { tuning: options.tuning }),
    ...(options.notices === undefined ? {} : { notices: options.notices }),
    ...(options.inflight === undefined ? {} : { inflight: options.inflight }),
  };
  return {
    runtime,
    logFile: () => logFile,
    setLevel: (config) => consoleLog?.setLevel(options.logLevel ?? config.log.level),
  };
}

/** log.file: JSON lines under log.dir (relative to the main config file, like backends.config_dir). */
function openLogFile(config: MainConfig, configPath: string): RotatingLogFile | null {
  if (!config.log.file) return null;
  const dir = resolve(dirname(configPath), config.log.dir);
  try {
    return new RotatingLogFile({
      dir,
      name: 'llm-router',
      maxBytes: config.log.max_size_mb * 1024 * 1024,
      maxBackups: config.log.max_backups,
      maxAgeMs: config.log.max_age_days * 86_400_000,
    });
  } catch (error) {
    throw new ConfigError(configPath, [
      `log.dir: cannot write log files in ${dir}: ${error instanceof Error ? error.message : String(error)}`,
    ]);
  }
}

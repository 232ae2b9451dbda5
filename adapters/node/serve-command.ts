import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import {
  ConfigError,
  LogLevelSchema,
  mainConfigFrom,
  WorkersSchema,
  type WorkersSetting,
} from '../../src/index.ts';
import { type Command, commandFlags } from '../../tools/cli/index.ts';
import { startClusterPrimary } from './cluster-primary.ts';
import { reportWorkerFailure, startClusterWorker } from './cluster-worker.ts';
import { readMainText } from './load-config.ts';
import { type StartRouterOptions, startRouter } from './start-router.ts';

const SERVE_USAGE = `Usage: llm-router [serve] [flags]

Start the router (the default command). Flags take one or two dashes, "-flag value" or "-flag=value".

  --config FILE            main config file (default config.yaml)
  --log-level LEVEL        debug | info | warn | error (default: log.level from the config)
  --enabled-sources LIST   comma-separated backend source types (default: backends.enabled_sources)
  --host HOST              override server.host
  --port PORT              override server.port (0..65535; 0 = ephemeral)
  --workers N|auto         override server.workers: processes serving the port (auto: one per core)
  --help                   print this text
`;

/** `llm-router [serve]`: run the router until SIGTERM/SIGINT, then drain and exit 0. */
export const serveCommand: Command = {
  name: 'serve',
  summary: 'start the router (default)',
  usage: SERVE_USAGE,
  run: runServe,
};

async function runServe(argv: readonly string[]): Promise<number> {
  const parsed = commandFlags('llm-router', SERVE_USAGE, argv, {
    values: ['config', 'log-level', 'enabled-sources', 'host', 'port', 'workers'],
  });
  if (typeof parsed === 'number') return parsed;
  const { flags, positional } = parsed;
  if (positional.length > 0) {
    process.stderr.write(`llm-router: unknown command "${positional[0]}" (see llm-router help)\n`);
    return 2;
  }
  const logLevel = flags.get('log-level');
  const level = logLevel === undefined ? undefined : LogLevelSchema.safeParse(logLevel);
  if (level && !level.success) {
    process.stderr.write(
      `llm-router: -log-level must be one of debug, info, warn, error (got "${logLevel}")\n`,
    );
    return 2;
  }
  const port = flags.get('port');
  // Checked here: listen() would otherwise throw a RangeError stack for 70000.
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) <= 65_535)) {
    process.stderr.write(`llm-router: -port must be an integer in 0..65535 (got "${port}")\n`);
    return 2;
  }
  const workersFlag = flags.get('workers');
  const workers = workersFlag === undefined ? undefined : WorkersSchema.safeParse(numberOr(workersFlag));
  if (workers && !workers.success) {
    process.stderr.write(
      `llm-router: -workers must be a whole number from 1 or "auto" (got "${workersFlag}")\n`,
    );
    return 2;
  }
  if (cluster.isWorker) return runWorker();
  const sourcesFlag = flags.get('enabled-sources');
  const sources = sourcesFlag
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  // The config schema wants at least one source; an empty override would start a router with none.
  if (sources !== undefined && sources.length === 0) {
    process.stderr.write(
      `llm-router: -enabled-sources needs at least one source name (got "${sourcesFlag}")\n`,
    );
    return 2;
  }
  // Handlers go in before start-up: the port answers before startRouter returns, and a SIGTERM in that
  // window must drain and exit 0 like any other, not kill the process with the default action.
  let running: { close(): Promise<void>; kill?(): void } | null = null;
  let stopRequested = false;
  let signals = 0;
  let stopped!: () => void;
  const drained = new Promise<void>((resolve) => {
    stopped = resolve;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      process.stderr.write(`llm-router: second ${signal}, exiting now\n`);
      running?.kill?.();
      process.exit(1);
    }
    process.stderr.write(`llm-router: ${signal} received, draining in-flight requests\n`);
    if (running) running.close().then(stopped, stopped);
    else stopRequested = true;
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const options: StartRouterOptions = {
      configPath: flags.get('config') ?? 'config.yaml',
      ...(level?.success ? { logLevel: level.data } : {}),
      ...(sources ? { enabledSources: sources } : {}),
      ...(port === undefined ? {} : { port: Number(port) }),
      ...(flags.has('host') ? { host: flags.get('host') } : {}),
    };
    const processes = await workerCount(options, workers?.success ? workers.data : undefined);
    running =
      processes > 1
        ? await startClusterPrimary({ ...options, workers: processes })
        : await startRouter(options);
    if (stopRequested) running.close().then(stopped, stopped);
    await drained;
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`llm-router: invalid configuration: ${error.message}\n`);
      return 1;
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      process.stderr.write(`llm-router: cannot listen: ${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  }
}

/** `-workers 2` is a number to the schema, `-workers auto` a word. */
function numberOr(text: string): number | string {
  return /^\d+$/.test(text) ? Number(text) : text;
}

/** Processes to serve with: the flag, else server.workers; `auto` is one per available core. */
async function workerCount(options: StartRouterOptions, flag: WorkersSetting | undefined): Promise<number> {
  const setting =
    flag ?? mainConfigFrom(await readMainText(options.configPath), options.configPath).server.workers;
  return setting === 'auto' ? availableParallelism() : setting;
}

/**
 * A cluster worker: the primary forked it with the same arguments and tells it the rest. It drains on
 * the first signal and ignores the others (a terminal's Ctrl-C reaches it and the primary's SIGTERM
 * too); the primary escalates. When the primary is gone, so is its state: drain and exit.
 */
async function runWorker(): Promise<number> {
  let worker: Awaited<ReturnType<typeof startClusterWorker>> | null = null;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void (worker ? worker.close() : Promise.resolve()).finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
  try {
    worker = await startClusterWorker();
  } catch (error) {
    reportWorkerFailure(error);
    return 1;
  }
  await new Promise<never>(() => {});
  return 0;
}

import { ConfigError, LogLevelSchema } from '../../src/index.ts';
import { type Command, commandFlags } from '../../tools/cli/index.ts';
import { type RunningRouter, startRouter } from './start-router.ts';

const SERVE_USAGE = `Usage: llm-router [serve] [flags]

Start the router (the default command). Flags take one or two dashes, "-flag value" or "-flag=value".

  --config FILE            main config file (default config.yaml)
  --log-level LEVEL        debug | info | warn | error (default: log.level from the config)
  --enabled-sources LIST   comma-separated backend source types (default: backends.enabled_sources)
  --host HOST              override server.host
  --port PORT              override server.port (0..65535; 0 = ephemeral)
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
    values: ['config', 'log-level', 'enabled-sources', 'host', 'port'],
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
  let running: RunningRouter | null = null;
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
      process.exit(1);
    }
    process.stderr.write(`llm-router: ${signal} received, draining in-flight requests\n`);
    if (running) running.close().then(stopped, stopped);
    else stopRequested = true;
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    running = await startRouter({
      configPath: flags.get('config') ?? 'config.yaml',
      ...(level?.success ? { logLevel: level.data } : {}),
      ...(sources ? { enabledSources: sources } : {}),
      ...(port === undefined ? {} : { port: Number(port) }),
      ...(flags.has('host') ? { host: flags.get('host') } : {}),
    });
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

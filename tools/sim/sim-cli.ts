import { writeFileAtomic } from '../cli/index.ts';
import { parseSimArgs, simSpecs } from './sim-cli-args.ts';
import { SIM_USAGE } from './sim-cli-usage.ts';
import { backendConfigYaml, startSimFleet } from './sim-fleet.ts';
import type { SimServer } from './sim-server.ts';

/** Injection points for tests; the CLI itself uses stdout/stderr and SIGINT/SIGTERM. */
export interface SimCliIo {
  out?: (text: string) => void;
  err?: (text: string) => void;
  /** Aborting it shuts the fleet down like a signal would. */
  signal?: AbortSignal;
}

/**
 * `llm-router sim [flags]`: starts the fleet, optionally writes its backend file, runs until a signal.
 * Resolves with the process exit code: 0 after a clean stop or `--help`, 1 when the fleet cannot start
 * or the config cannot be written, 2 for a bad command line.
 */
export async function runSimCli(argv: readonly string[], io: SimCliIo = {}): Promise<number> {
  const out = io.out ?? ((text: string) => void process.stdout.write(text));
  const err = io.err ?? ((text: string) => void process.stderr.write(text));
  const parsed = parseSimArgs(argv);
  if (!parsed.ok) {
    err(`llm-router sim: ${parsed.error}\n`);
    return 2;
  }
  const config = parsed.config;
  if (config.help) {
    out(SIM_USAGE);
    return 0;
  }
  let servers: SimServer[];
  try {
    servers = await startSimFleet(simSpecs(config));
  } catch (error) {
    err(`llm-router sim: cannot start the fleet: ${messageOf(error)}\n`);
    return 1;
  }
  let code = 0;
  try {
    // Bound first, then closed: the port and the written api_base stay those of a real instance.
    await Promise.all(config.downIndices.map((i) => servers[i]?.stop()));
    servers.forEach((server, i) => {
      const down = config.downIndices.includes(i) ? ' DOWN (refusing connections)' : '';
      out(`${describe(server, i)}${down}\n`);
    });
    if (config.writeConfig) {
      await writeFileAtomic(
        config.writeConfig,
        backendConfigYaml(servers, { sourceType: config.sourceType }),
      );
      out(`sim: wrote ${servers.length} backend(s) to ${config.writeConfig}\n`);
    }
    await waitForShutdown(io.signal);
  } catch (error) {
    err(`llm-router sim: ${messageOf(error)}\n`);
    code = 1;
  } finally {
    await Promise.all(servers.map((server) => server.close()));
  }
  out('sim: stopped\n');
  return code;
}

function describe(server: SimServer, index: number): string {
  const o = server.options;
  return (
    `sim[${index}] ${o.engine} ${server.url} models=${o.models.join(',')} speed=${o.speed} ` +
    `tokens_per_second=${o.tokensPerSecond} ttft_ms=${o.ttftMs} max_num_seqs=${o.maxNumSeqs}`
  );
}

function waitForShutdown(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    if (signal?.aborted) {
      resolve();
      return;
    }
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

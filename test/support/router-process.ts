import { rssBytes } from '../../bench/lib/proc-stats.ts';
import { answers200, type CliProcess, freePort, spawnCli } from './cli.ts';
import { type BackendEntry, type ConfigDir, type ConfigTree, writeConfigDir } from './router-fixture.ts';

/** The real `llm-router` process (bin/llm-router.mjs) on 127.0.0.1, for tests that watch its memory and pid. */
export interface RouterProcess {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly proc: CliProcess;
  readonly config: ConfigDir;
  /** Resident set size now, in bytes (from /proc). */
  rss(): number;
  /** Whether the process is still the one started (not exited). */
  alive(): boolean;
  close(): Promise<void>;
}

/** Starts the CLI on a config dir (test defaults merged with `main`) and waits for `/ready`. */
export async function startRouterProcess(options: {
  main?: ConfigTree;
  backends: readonly BackendEntry[];
  args?: readonly string[];
  env?: Readonly<Record<string, string>>;
}): Promise<RouterProcess> {
  const port = await freePort();
  const config = await writeConfigDir({ main: options.main ?? {}, backends: options.backends });
  const proc = spawnCli(
    ['-config', config.configPath, '-port', String(port), ...(options.args ?? [])],
    options.env,
  );
  const url = `http://127.0.0.1:${port}`;
  const ready = await Promise.race([answers200(url, '/ready', 20_000), proc.exited.then(() => false)]);
  if (!ready) {
    proc.child.kill('SIGKILL');
    await config.remove();
    throw new Error(`router did not become ready; stderr:\n${proc.stderr()}`);
  }
  const pid = proc.child.pid ?? 0;
  let exited = false;
  void proc.exited.then(() => {
    exited = true;
  });
  return {
    url,
    port,
    pid,
    proc,
    config,
    rss: () => rssBytes(pid),
    alive: () => !exited,
    async close() {
      if (!exited) {
        proc.child.kill('SIGTERM');
        const timer = setTimeout(() => proc.child.kill('SIGKILL'), 5000);
        await proc.exited;
        clearTimeout(timer);
      }
      await config.remove();
    },
  };
}

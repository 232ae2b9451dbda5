import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { REPO_DIR } from './paths.ts';
import { descendants } from './proc-stats.ts';

export interface SpawnOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Keep the whole stdout (clients print their JSON result there). */
  readonly keepStdout?: boolean;
  /** Keep the whole stderr (a router's log, parsed after the run); by default only its tail. */
  readonly keepStderr?: boolean;
  /** Open an IPC channel: our own children exit when it closes, so they never outlive the bench. */
  readonly ipc?: boolean;
  /** Raise the soft open-file limit to the hard one first (`ulimit -n`, then exec: same pid). */
  readonly raiseNoFile?: boolean;
}

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** Resolves with the exit code (or null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Full stdout when `keepStdout`, else its tail. */
  stdout(): string;
  /** Full stderr when `keepStderr`, else its tail. */
  stderr(): string;
  /** Tail of stdout and stderr, for error messages. */
  tail(): string;
  /** Send `signal`, wait up to `graceMs` for the exit, then SIGKILL it and its descendants. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

const TAIL_CHARS = 8_192;
const live = new Set<Child>();
let cleanupInstalled = false;

function killTreeSync(pid: number): void {
  let family: number[] = [];
  try {
    family = descendants(pid);
  } catch {
    // /proc unreadable: kill the root only
  }
  for (const target of [pid, ...family]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** SIGKILL every child still running (process exit, SIGINT, crash). */
export function killAllChildrenSync(): void {
  for (const child of live) killTreeSync(child.pid);
  live.clear();
}

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', killAllChildrenSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stderr.write(`\n${signal}: stopping ${live.size} child process(es)\n`);
      killAllChildrenSync();
      process.exit(130);
    });
  }
}

/** Start a child process that is killed when the bench exits, whatever the reason. */
export function spawnChild(options: SpawnOptions): Child {
  installCleanup();
  let command = options.command;
  let args = [...options.args];
  if (options.raiseNoFile) {
    args = ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'sh', command, ...args];
    command = '/bin/sh';
  }
  const proc = spawn(command, args, {
    cwd: REPO_DIR,
    env: { ...process.env, ...options.env },
    stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  if (proc.pid === undefined) throw new Error(`cannot start ${options.name} (${command})`);
  let out = '';
  let err = '';
  let tail = '';
  const keep = (text: string) => {
    tail = (tail + text).slice(-TAIL_CHARS);
  };
  proc.stdout?.setEncoding('utf8').on('data', (text: string) => {
    out = options.keepStdout ? out + text : (out + text).slice(-TAIL_CHARS);
    keep(text);
  });
  proc.stderr?.setEncoding('utf8').on('data', (text: string) => {
    err = options.keepStderr ? err + text : (err + text).slice(-TAIL_CHARS);
    keep(text);
  });
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code) => resolve(code));
    proc.once('error', (error) => {
      keep(String(error));
      resolve(-1);
    });
  });
  const pid = proc.pid;
  const child: Child = {
    name: options.name,
    pid,
    process: proc,
    exited,
    stdout: () => out,
    stderr: () => err,
    tail: () => tail,
    async stop(signal = 'SIGTERM', graceMs = 3000) {
      if (proc.exitCode === null && proc.signalCode === null) {
        const family = descendants(pid);
        try {
          proc.kill(signal);
        } catch {
          // gone
        }
        const timer = new Promise<'timeout'>((resolve) =>
          setTimeout(() => resolve('timeout'), graceMs).unref(),
        );
        if ((await Promise.race([exited, timer])) === 'timeout') killTreeSync(pid);
        for (const orphan of family) {
          try {
            process.kill(orphan, 'SIGKILL');
          } catch {
            // exited with its parent
          }
        }
      }
      live.delete(child);
    },
  };
  live.add(child);
  void exited.then(() => live.delete(child));
  return child;
}

/** `node [nodeArgs] --import tsx <file> ...args` as a child (its pid is the node process itself). */
export function spawnTs(
  name: string,
  file: string,
  args: readonly string[],
  extra: Partial<SpawnOptions> & { readonly nodeArgs?: readonly string[] } = {},
): Child {
  const { nodeArgs = [], ...rest } = extra;
  return spawnChild({
    name,
    command: process.execPath,
    args: [...nodeArgs, '--import', 'tsx', file, ...args],
    ipc: true,
    ...rest,
  });
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** Poll `url` until it answers 200; fail early (with the child's output) if the child exits. */
export async function waitForHttp(child: Child, url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void child.exited.then(() => {
    gone = true;
  });
  while (Date.now() < deadline) {
    if (gone) throw new Error(`${child.name} exited before it was ready:\n${child.tail()}`);
    if ((await httpStatus(url)) === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${child.name} not ready at ${url} after ${timeoutMs} ms:\n${child.tail()}`);
}

/** Run a client child to completion and parse the JSON object on the last line of its stdout. */
export async function runJsonClient<T>(name: string, file: string, args: readonly string[]): Promise<T> {
  const child = spawnTs(name, file, args, { keepStdout: true, raiseNoFile: true });
  const code = await child.exited;
  const lines = child.stdout().trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  if (code !== 0 || !last.startsWith('{')) throw new Error(`${name} failed (exit ${code}):\n${child.tail()}`);
  return JSON.parse(last) as T;
}

/** For our own children: exit when the parent's IPC channel closes (the parent died or finished). */
export function exitWithParent(): void {
  if (process.send) process.on('disconnect', () => process.exit(0));
}

import { setTimeout as delay } from 'node:timers/promises';

/** What a deploy subcommand needs from its process; tests pass their own. */
export interface DeployIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative --config-file, --manifest and --hosts-file paths resolve against it. */
  readonly cwd: string;
  /** Aborted on SIGINT/SIGTERM: `up` stops waiting and records what it started. */
  readonly signal?: AbortSignal;
  /** Monotonic milliseconds. */
  readonly now: () => number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  readonly sleep: (ms: number) => Promise<void>;
}

/** stdout/stderr, the real environment and clock, SIGINT/SIGTERM wired to `signal`. */
export function processIo(signal: AbortSignal): DeployIo {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    signal,
    now: () => performance.now(),
    sleep: (ms) => delay(ms, undefined, { signal }).catch(() => undefined),
  };
}

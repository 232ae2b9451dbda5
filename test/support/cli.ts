import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { waitFor } from './router-fixture.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = fileURLToPath(new URL('../../bin/llm-router.mjs', import.meta.url));

export interface CliProcess {
  readonly child: ChildProcess;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name) once the process is gone. */
  readonly exited: Promise<number | string>;
}

/** Every process started here, so a suite's afterAll can make sure none outlives it. */
const started = new Set<ChildProcess>();

/** Starts `node bin/llm-router.mjs ...args` from the repository root (`env` added to the test's). */
export function spawnCli(args: readonly string[], env: Readonly<Record<string, string>> = {}): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  started.add(child);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    out += text;
  });
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    err += text;
  });
  const exited = once(child, 'exit').then(([code, signal]) => {
    started.delete(child);
    return (code as number | null) ?? (signal as string);
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Runs the CLI to completion (killed after `timeoutMs`). */
export async function runCli(
  args: readonly string[],
  timeoutMs = 15_000,
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const proc = spawnCli(args);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
  const code = await proc.exited;
  clearTimeout(timer);
  // Let the pipes deliver their last bytes.
  await Promise.all([
    proc.child.stdout && !proc.child.stdout.readableEnded ? once(proc.child.stdout, 'end') : null,
    proc.child.stderr && !proc.child.stderr.readableEnded ? once(proc.child.stderr, 'end') : null,
  ]);
  return { code, stdout: proc.stdout(), stderr: proc.stderr() };
}

/** SIGKILLs every CLI process still running. */
export async function killAllCli(): Promise<void> {
  const alive = [...started];
  for (const child of alive) child.kill('SIGKILL');
  await Promise.all(
    alive.map((child) => (child.exitCode === null && child.signalCode === null ? once(child, 'exit') : null)),
  );
  started.clear();
}

/** A port that was free a moment ago: bind a throwaway server on 127.0.0.1:0 and release it. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `GET <url><path>` every 50 ms until it answers 200 (true) or `timeoutMs` passes (false). */
export function answers200(url: string, path: '/health' | '/ready', timeoutMs: number): Promise<boolean> {
  return waitFor(
    () =>
      fetch(`${url}${path}`).then(
        (res) => res.status === 200,
        () => false,
      ),
    timeoutMs,
    50,
  );
}

import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.ts';
import { startSshd, type TestSshd } from '../support/sshd.ts';
import { type FakeEngines, writeFakeEngines } from './fake-engine.ts';

/** Two "GPU nodes" (127.0.0.1 and 127.0.0.2, one sshd) with fake engines on their PATH. */
export interface DeployLab {
  readonly root: string;
  readonly sshd: TestSshd;
  readonly engines: FakeEngines;
  /** Runs `llm-router deploy <sub> ...args` with the ssh flags for this lab. */
  deploy(
    sub: 'up' | 'status' | 'down',
    args: readonly string[],
    timeoutMs?: number,
  ): ReturnType<typeof runCli>;
  close(): Promise<void>;
}

export async function startDeployLab(): Promise<DeployLab> {
  const root = await mkdtemp(join(tmpdir(), 'llm-router-deploy-'));
  const engines = await writeFakeEngines(root);
  const sshd = await startSshd(['127.0.0.1', '127.0.0.2'], [engines.binDir]);
  return {
    root,
    sshd,
    engines,
    deploy: (sub, args, timeoutMs = 60_000) =>
      runCli(['deploy', sub, ...args, ...sshd.deployFlags], timeoutMs),
    async close() {
      killLeftovers(await engines.starts());
      await sshd.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/**
 * A failed test can leave simulated engines running: kill the ones this lab started, recognised by
 * their command line (a pid alone may have been reused).
 */
function killLeftovers(starts: ReadonlyArray<{ pid: number }>): void {
  for (const { pid } of starts) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.includes('llm-router.mjs\0sim\0')) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * True while a process with this pid runs (the "nodes" are this machine). A zombie waiting for a
 * container's init to reap it has exited: it does not count.
 */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './cli.ts';
import { waitFor } from './router-fixture.ts';

const run = promisify(execFile);
export const SSHD = '/usr/sbin/sshd';

/** A throwaway OpenSSH server on loopback, for `llm-router deploy` tests. */
export interface TestSshd {
  readonly port: number;
  readonly dir: string;
  /** Private key that logs in (as the current user). */
  readonly identity: string;
  readonly knownHosts: string;
  /** The deploy flags that reach this server: --ssh-port, --identity, --ssh-option UserKnownHostsFile. */
  readonly deployFlags: readonly string[];
  stop(): Promise<void>;
}

/** Why the ssh tests cannot run here, or null when they can. */
export function sshdMissing(): string | null {
  if (!existsSync(SSHD)) {
    return `${SSHD} not found: install Debian's openssh-server (scripts/ensure-packages.sh, run by npm test, installs it as root)`;
  }
  if (!existsSync('/usr/bin/ssh') && !existsSync('/bin/ssh'))
    return 'the ssh client is not installed (openssh-client)';
  return null;
}

/**
 * Starts `sshd -D` on `addresses` (loopback, e.g. 127.0.0.1 and 127.0.0.2: two "nodes") at a free port
 * with fresh host and client keys, no passwords, and `pathDirs` first on the remote PATH (login shell
 * rc files may still prepend their own).
 */
export async function startSshd(
  addresses: readonly string[],
  pathDirs: readonly string[],
): Promise<TestSshd> {
  const dir = await mkdtemp(join(tmpdir(), 'llm-router-sshd-'));
  const hostKey = join(dir, 'host_key');
  const identity = join(dir, 'client_key');
  await Promise.all([
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test-host', '-f', hostKey]),
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test-client', '-f', identity]),
  ]);
  await writeFile(join(dir, 'authorized_keys'), await readFile(`${identity}.pub`));
  const port = await freePort();
  const config = [
    ...addresses.map((address) => `ListenAddress ${address}`),
    `Port ${port}`,
    `HostKey ${hostKey}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    // The temp dir sits in world-writable /tmp, which StrictModes rejects.
    'StrictModes no',
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    `SetEnv PATH=${[...pathDirs, '/usr/local/bin', '/usr/bin', '/bin'].join(':')}`,
    'MaxSessions 64',
    'MaxStartups 64',
    'LogLevel ERROR',
  ].join('\n');
  await writeFile(join(dir, 'sshd_config'), `${config}\n`);
  // As root, sshd insists on its privilege separation directory (systemd normally creates it).
  if (process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const up = await waitFor(() => accepts(addresses[0]!, port), 10_000, 20);
  if (!up) {
    child.kill('SIGKILL');
    throw new Error(`sshd did not start on port ${port}: ${stderr}`);
  }
  const hostPub = (await readFile(`${hostKey}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
  const knownHosts = join(dir, 'known_hosts');
  await writeFile(knownHosts, addresses.map((address) => `[${address}]:${port} ${hostPub}\n`).join(''));
  return {
    port,
    dir,
    identity,
    knownHosts,
    deployFlags: [
      '--ssh-port',
      String(port),
      '--identity',
      identity,
      '--ssh-option',
      `UserKnownHostsFile=${knownHosts}`,
    ],
    async stop() {
      // Close the multiplexing masters deploy left behind (ControlPersist), then the server.
      await Promise.all(
        addresses.map((address) =>
          run('ssh', [
            '-o',
            'ControlPath=~/.ssh/llm-router-%C',
            '-p',
            String(port),
            '-O',
            'exit',
            address,
          ]).catch(() => undefined),
        ),
      );
      child.kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

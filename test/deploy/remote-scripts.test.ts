// The programs deploy runs on a node, run there through the system ssh client against a real sshd.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshSettings } from '../../tools/deploy/deploy-options.ts';
import { portsInUse } from '../../tools/deploy/free-ports.ts';
import {
  aliveScript,
  launchScript,
  logTailScript,
  parseLaunched,
  parsePidLines,
  portsScript,
  stopScript,
} from '../../tools/deploy/remote-scripts.ts';
import { SystemSsh } from '../../tools/deploy/remote-shell.ts';
import { renderSshCall } from '../../tools/deploy/ssh-command.ts';
import { sshdMissing } from '../support/sshd.ts';
import { type DeployLab, pidAlive, startDeployLab } from './deploy-fleet.ts';

const run = promisify(execFile);
const missing = sshdMissing();
if (missing !== null) console.warn(`\n!!! SKIPPING llm-router deploy ssh tests: ${missing}\n`);

describe.skipIf(missing !== null)('remote programs over ssh', () => {
  let lab: DeployLab;
  let ssh: SystemSsh;

  beforeAll(async () => {
    lab = await startDeployLab();
    ssh = new SystemSsh(
      {
        port: lab.sshd.port,
        identity: lab.sshd.identity,
        options: [`UserKnownHostsFile=${lab.sshd.knownHosts}`],
      },
      5,
    );
  });
  afterAll(() => lab?.close());

  const settings = (): SshSettings => ({
    port: lab.sshd.port,
    identity: lab.sshd.identity,
    options: [`UserKnownHostsFile=${lab.sshd.knownHosts}`],
  });

  const launchStubborn = async (name: string) => {
    // Ignores SIGTERM, like an engine stuck in a CUDA call.
    const result = await ssh.run(
      '127.0.0.1',
      launchScript({
        logDir: join(lab.root, 'stubborn'),
        name,
        deployId: `${name}-abc123`,
        gpus: '0',
        env: ['GREETING=hello there'],
        argv: [
          'sh',
          '-c',
          'trap "" TERM; echo "up with $GREETING on GPU $CUDA_VISIBLE_DEVICES"; while :; do sleep 0.1; done',
        ],
      }),
      10_000,
    );
    expect(result.code, result.stderr).toBe(0);
    return parseLaunched(result.stdout)!;
  };

  it('launch detaches and records the pid; a pid whose deploy id does not match is "gone" and left alone; stop escalates to SIGKILL after the grace', async () => {
    const { pid, log } = await launchStubborn('stubborn-1');
    expect(pidAlive(pid)).toBe(true);
    expect(log).toBe(join(lab.root, 'stubborn', 'stubborn-1.log'));
    const tail = await ssh.run('127.0.0.1', logTailScript(log, 5), 10_000);
    expect(tail.stdout).toBe('up with hello there on GPU 0\n');

    const alive = await ssh.run(
      '127.0.0.1',
      aliveScript([
        { pid, deployId: 'stubborn-1-abc123' },
        { pid, deployId: 'someone-else' },
      ]),
      10_000,
    );
    expect(alive.stdout).toBe(`${pid} alive\n${pid} gone\n`);

    // A stop naming the pid with another deploy id (a reused pid) must not touch the process.
    const wrong = await ssh.run('127.0.0.1', stopScript(1, [{ pid, deployId: 'someone-else' }]), 10_000);
    expect(parsePidLines(wrong.stdout).get(pid)).toBe('not-running');
    expect(pidAlive(pid)).toBe(true);

    const startedAt = performance.now();
    const stop = await ssh.run('127.0.0.1', stopScript(1, [{ pid, deployId: 'stubborn-1-abc123' }]), 20_000);
    expect(stop.code, stop.stderr).toBe(0);
    expect(parsePidLines(stop.stdout).get(pid)).toBe('killed');
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(1000);
    expect(pidAlive(pid)).toBe(false);
  });

  it('the port probe lists ports in use on the node; its --dry-run rendering runs the same in a shell', async () => {
    const result = await ssh.run('127.0.0.1', portsScript(), 10_000);
    expect(result.code, result.stderr).toBe(0);
    expect(portsInUse(result.stdout).has(lab.sshd.port)).toBe(true);
    const rendered = renderSshCall('127.0.0.1', settings(), 5, portsScript());
    const viaShell = await run('/bin/sh', ['-c', rendered]);
    expect(portsInUse(viaShell.stdout).has(lab.sshd.port)).toBe(true);
  });

  it('a missing engine is a clear error, not a silent background failure', async () => {
    const result = await ssh.run(
      '127.0.0.1',
      launchScript({
        logDir: join(lab.root, 'missing'),
        name: 'x',
        deployId: 'x-1',
        gpus: '0',
        env: [],
        argv: ['no-such-engine-binary', 'serve'],
      }),
      10_000,
    );
    expect(result.code).toBe(127);
    expect(result.stderr).toContain('llm-router-deploy: no-such-engine-binary: command not found on');
  });

  it('an unreachable host is ssh exit 255 with its message', async () => {
    const wrongPort = new SystemSsh({ port: 1, options: [] }, 2);
    const result = await wrongPort.run('127.0.0.1', portsScript(), 10_000);
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/connect to host 127\.0\.0\.1 port 1: Connection refused/);
  });
});

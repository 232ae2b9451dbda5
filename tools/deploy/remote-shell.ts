import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { SshSettings } from './deploy-options.ts';
import { type RemoteScript, scriptText } from './remote-scripts.ts';
import { sshArgv } from './ssh-command.ts';

export interface RemoteResult {
  /** The remote program's exit code; 255 is ssh's own failure (connect, auth, host key); -1 timed out. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one program on one node. */
export interface RemoteShell {
  run(host: string, script: RemoteScript, timeoutMs: number): Promise<RemoteResult>;
}

/** Output kept per stream: a chatty or hostile node cannot fill the deploying machine's memory. */
const MAX_OUTPUT = 1 << 20;

/** The system `ssh` client (see sshArgv). */
export class SystemSsh implements RemoteShell {
  readonly #ssh: SshSettings;
  readonly #connectTimeoutS: number;

  constructor(ssh: SshSettings, connectTimeoutS: number) {
    this.#ssh = ssh;
    this.#connectTimeoutS = connectTimeoutS;
  }

  async run(host: string, script: RemoteScript, timeoutMs: number): Promise<RemoteResult> {
    // ssh puts its multiplexing sockets there (CONTROL_PATH); without it, it warns and connects anyway.
    await mkdir(join(homedir(), '.ssh'), { recursive: true, mode: 0o700 }).catch(() => undefined);
    const [command, ...args] = sshArgv(host, this.#ssh, this.#connectTimeoutS);
    return new Promise((resolve) => {
      const child = spawn(command!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      const stdout = collect(child.stdout);
      const stderr = collect(child.stderr);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGTERM');
      }, timeoutMs);
      child.stdin.on('error', () => {}); // ssh gone before reading its stdin: its exit says why.
      child.stdin.end(scriptText(script));
      child.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const why =
          error.code === 'ENOENT' ? 'ssh is not installed (the openssh-client package)' : error.message;
        resolve({ code: 255, stdout: '', stderr: `cannot run ssh: ${why}` });
      });
      // 'exit', not 'close': some ssh versions let the master a first call leaves behind (ControlPersist)
      // keep this call's stderr, which would hold 'close' back until the master exits.
      child.once('exit', (code) => {
        clearTimeout(timer);
        const stderrSettled = Promise.race([stderr.done, new Promise((r) => setTimeout(r, 200).unref())]);
        void Promise.all([stdout.done, stderrSettled]).then(() => {
          resolve({
            code: timedOut ? -1 : (code ?? 255),
            stdout: stdout.text(),
            stderr: timedOut ? `timed out after ${Math.round(timeoutMs / 1000)} s` : stderr.text(),
          });
        });
      });
    });
  }
}

function collect(stream: Readable): { text(): string; done: Promise<void> } {
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    if (text.length < MAX_OUTPUT) text += chunk.slice(0, MAX_OUTPUT - text.length);
  });
  const done = new Promise<void>((resolve) => {
    if (stream.readableEnded) resolve();
    stream.once('end', () => resolve());
    stream.once('close', () => resolve());
  });
  return { text: () => text, done };
}

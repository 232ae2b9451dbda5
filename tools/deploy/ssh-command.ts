import type { SshSettings } from './deploy-options.ts';
import { type RemoteScript, scriptText } from './remote-scripts.ts';
import { shellJoin } from './shell-quote.ts';

/**
 * Multiplexing: the first call to a host opens a master connection that later calls (one per instance,
 * the readiness checks, status) reuse, so a host with 8 engines costs one handshake. `%C` is a hash of
 * host, port and user, short enough for the socket path limit; the master lingers 60 s after last use.
 */
export const CONTROL_PATH = '~/.ssh/llm-router-%C';

/**
 * The local argv of the system `ssh` client running `sh -s` on `host`, with the program on stdin. Never
 * prompts (BatchMode: a missing key or unknown host key is an error, not a hang), bounded connect time,
 * dead connections noticed by keep-alives. The user's `-o` options come first so they win.
 */
export function sshArgv(host: string, ssh: SshSettings, connectTimeoutS: number): string[] {
  return [
    'ssh',
    ...ssh.options.flatMap((option) => ['-o', option]),
    '-o',
    'BatchMode=yes',
    '-o',
    `ConnectTimeout=${connectTimeoutS}`,
    '-o',
    'ControlMaster=auto',
    '-o',
    `ControlPath=${CONTROL_PATH}`,
    '-o',
    'ControlPersist=60',
    '-o',
    'ServerAliveInterval=15',
    '-o',
    'ServerAliveCountMax=3',
    ...(ssh.port === undefined ? [] : ['-p', String(ssh.port)]),
    ...(ssh.identity === undefined ? [] : ['-i', ssh.identity, '-o', 'IdentitiesOnly=yes']),
    ...(ssh.user === undefined ? [] : ['-l', ssh.user]),
    '--',
    host,
    'sh',
    '-s',
  ];
}

/**
 * The call as a command line a local POSIX shell runs identically: the ssh argv, then the program as a
 * quoted here-document (its delimiter chosen so no line of the program can end it early).
 */
export function renderSshCall(
  host: string,
  ssh: SshSettings,
  connectTimeoutS: number,
  script: RemoteScript,
): string {
  const text = scriptText(script);
  const lines = new Set(text.split('\n'));
  let delimiter = 'LLM_ROUTER_DEPLOY';
  for (let n = 2; lines.has(delimiter); n++) delimiter = `LLM_ROUTER_DEPLOY_${n}`;
  return `${shellJoin(sshArgv(host, ssh, connectTimeoutS))} <<'${delimiter}'\n${text}${delimiter}\n`;
}

import { shellJoin } from './shell-quote.ts';

/**
 * The POSIX `sh` programs deploy runs on the nodes. Their text is constant: every value arrives as a
 * positional parameter, quoted once by `shellJoin` on the `set --` line in front of the program, so no
 * value is ever parsed as shell code. ssh runs `sh -s` and feeds the whole program on stdin, which keeps
 * the user's login shell (bash, zsh, even fish) out of it.
 */
export interface RemoteScript {
  /** What it does, for messages: `probe ports`, `start vllm-8000`. */
  readonly label: string;
  readonly args: readonly string[];
  readonly body: string;
}

/** The program as sent: `set -- 'a' 'b'` then the body. */
export function scriptText(script: RemoteScript): string {
  return `set --${script.args.length > 0 ? ` ${shellJoin(script.args)}` : ''}\n${script.body}`;
}

/** Prints the local TCP ports in use (any state but TIME_WAIT) as hex numbers, one per line. */
const PORTS = `if [ ! -r /proc/net/tcp ]; then
  echo "llm-router-deploy: cannot read /proc/net/tcp on $(hostname)" >&2
  exit 3
fi
cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$4 != "06" && $2 ~ /:/ { n = split($2, a, ":"); print a[n] }' | sort -u
`;

/** The ports in use on the node (parse the output with `portsInUse`). */
export function portsScript(): RemoteScript {
  return { label: 'probe ports', args: [], body: PORTS };
}

/**
 * Starts the engine detached in its own session (setsid: its pid is its process group, so `down` stops
 * its workers too) immune to hangups, stdin from /dev/null and output to a log on the node, then records
 * the pid next to the log. LLM_ROUTER_DEPLOY_ID in its environment lets status/down tell it from an
 * unrelated process that got the same pid later.
 */
const LAUNCH = `set -eu
log_dir=$1 name=$2 deploy_id=$3 gpus=$4 nenv=$5
shift 5
while [ "$nenv" -gt 0 ]; do export "$1"; shift; nenv=$((nenv - 1)); done
if ! command -v "$1" >/dev/null 2>&1; then
  echo "llm-router-deploy: $1: command not found on $(hostname) (PATH=$PATH)" >&2
  exit 127
fi
mkdir -p "$log_dir"
log_dir=$(CDPATH= cd -P "$log_dir" && pwd)
log=$log_dir/$name.log
export CUDA_VISIBLE_DEVICES="$gpus" LLM_ROUTER_DEPLOY_ID="$deploy_id"
setsid nohup "$@" </dev/null >"$log" 2>&1 &
pid=$!
echo "$pid" >"$log_dir/$name.pid"
echo "started $pid $log"
`;

export interface LaunchArgs {
  readonly logDir: string;
  /** File name stem on the node: `<log-dir>/<name>.log` and `.pid`. */
  readonly name: string;
  readonly deployId: string;
  readonly gpus: string;
  /** `KEY=VALUE`, validated. */
  readonly env: readonly string[];
  readonly argv: readonly string[];
}

export function launchScript(a: LaunchArgs): RemoteScript {
  return {
    label: `start ${a.name}`,
    args: [a.logDir, a.name, a.deployId, a.gpus, String(a.env.length), ...a.env, ...a.argv],
    body: LAUNCH,
  };
}

/** `started <pid> <absolute log path>` from the launch program. */
export function parseLaunched(stdout: string): { pid: number; log: string } | null {
  const match = /^started (\d+) (.+)$/m.exec(stdout);
  return match ? { pid: Number(match[1]), log: match[2]! } : null;
}

/** True when the pid runs and carries its deploy id (a reused pid does not). */
const OURS = `ours() {
  kill -0 "$1" 2>/dev/null && tr '\\0' '\\n' <"/proc/$1/environ" 2>/dev/null | grep -qxF "LLM_ROUTER_DEPLOY_ID=$2"
}
`;

const ALIVE = `${OURS}while [ "$#" -ge 2 ]; do
  if ours "$1" "$2"; then echo "$1 alive"; else echo "$1 gone"; fi
  shift 2
done
`;

export interface ProcessRef {
  readonly pid: number;
  readonly deployId: string;
}

/** One line per process: `<pid> alive` or `<pid> gone`. */
export function aliveScript(processes: readonly ProcessRef[]): RemoteScript {
  return {
    label: 'check processes',
    args: processes.flatMap((p) => [String(p.pid), p.deployId]),
    body: ALIVE,
  };
}

/** Parses `<pid> <word>` lines into a map. */
export function parsePidLines(stdout: string): Map<number, string> {
  const states = new Map<number, string>();
  for (const match of stdout.matchAll(/^(\d+) ([a-z-]+)$/gm)) states.set(Number(match[1]), match[2]!);
  return states;
}

const TAIL = `tail -n "$2" "$1" 2>&1 || true
`;

export function logTailScript(log: string, lines: number): RemoteScript {
  return { label: 'read log', args: [log, String(lines)], body: TAIL };
}

/**
 * SIGTERM to each engine's process group, up to `grace` seconds for the leaders to exit, then SIGKILL
 * to what is left of the group (workers a clean exit left behind, or a leader that ignored TERM). A pid
 * that is not ours any more is left alone. One line per pid: stopped, killed or not-running.
 */
const STOP = `${OURS}grace=$1
shift
pids=
while [ "$#" -ge 2 ]; do
  if ours "$1" "$2"; then
    kill -TERM "-$1" 2>/dev/null || kill -TERM "$1" 2>/dev/null || true
    pids="$pids $1:$2"
  else
    echo "$1 not-running"
  fi
  shift 2
done
ticks=0
while [ -n "$pids" ]; do
  left=
  for p in $pids; do
    if ours "\${p%%:*}" "\${p#*:}"; then left="$left $p"; else kill -KILL "-\${p%%:*}" 2>/dev/null || true; echo "\${p%%:*} stopped"; fi
  done
  pids=$left
  [ -z "$pids" ] && break
  if [ "$ticks" -ge $((grace * 5)) ]; then
    for p in $pids; do kill -KILL "-\${p%%:*}" 2>/dev/null || kill -KILL "\${p%%:*}" 2>/dev/null || true; echo "\${p%%:*} killed"; done
    break
  fi
  if sleep 0.2 2>/dev/null; then ticks=$((ticks + 1)); else sleep 1; ticks=$((ticks + 5)); fi
done
`;

export function stopScript(graceS: number, processes: readonly ProcessRef[]): RemoteScript {
  return {
    label: 'stop engines',
    args: [String(graceS), ...processes.flatMap((p) => [String(p.pid), p.deployId])],
    body: STOP,
  };
}

/** A line of the stop program's output, for people; undefined: the host did not answer. */
export function describeStop(state: string | undefined): string {
  switch (state) {
    case 'stopped':
      return 'stopped (SIGTERM)';
    case 'killed':
      return 'killed (SIGKILL after the grace period)';
    case 'not-running':
      return 'was not running';
    default:
      return 'unknown: the host did not answer';
  }
}

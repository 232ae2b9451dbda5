import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI } from '../support/cli.ts';

/**
 * Stand-ins for `vllm` and `python3 -m sglang.launch_server` on the "nodes": they take the engines' own
 * flags, record their argv and environment (NUL-separated, one file pair per start), and run the
 * project's simulated backend in their place (exec: same pid) on the given port and served name.
 * Unknown flags go on to the sim, so tests steer it with sim flags (`--models-status 503`).
 *
 * `--host 0.0.0.0` binds the address ssh connected to instead, keeping the test on loopback. A file
 * named `steal-port` in the state dir makes the next start lose a race for its port: a helper process
 * grabs the port first (as another job on a shared node could between deploy's probe and the start).
 */
const SCRIPT = (node: string, cli: string, state: string) => `#!/bin/sh
state=${state}
n=$(date +%s%N)-$$
printf '%s\\0' "$0" "$@" >"$state/records/$n.argv"
cat /proc/$$/environ >"$state/records/$n.env"
engine=vllm
case "$1" in
  serve) model=$2; shift 2 ;;
  -m)
    case "$2" in
      sglang.launch_server) engine=sglang ;;
      vllm.entrypoints.openai.api_server) engine=vllm ;;
      *) echo "No module named $2" >&2; exit 1 ;;
    esac
    shift 2 ;;
esac
host=127.0.0.1 port= name= seqs=
while [ "$#" -gt 0 ]; do
  case "$1" in
    --model|--model-path) model=$2; shift 2 ;;
    --host) host=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --served-model-name) name=$2; shift 2 ;;
    --tensor-parallel-size|--tp) shift 2 ;;
    --max-num-seqs|--max-running-requests) seqs=$2; shift 2 ;;
    *) break ;;
  esac
done
if [ "$host" = 0.0.0.0 ]; then host=$(echo "$SSH_CONNECTION" | cut -d' ' -f3); fi
echo "INFO fake $engine: model $model as $name on $host:$port"
if [ -e "$state/steal-port" ]; then
  rm -f "$state/steal-port"
  ${node} -e 'require("net").createServer().listen(+process.argv[1], process.argv[2], () => require("fs").writeFileSync(process.argv[3], String(process.pid))); setTimeout(() => process.exit(0), 60000)' "$port" "$host" "$state/thief.pid" </dev/null >/dev/null 2>&1 &
  i=0; while [ ! -s "$state/thief.pid" ] && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
fi
exec ${node} ${cli} sim --count 1 --engine "$engine" --host "$host" --port "$port" --model "$name" \\
  --tokens-per-second 200 --ttft-ms 5 \${seqs:+--max-num-seqs "$seqs"} "$@"
`;

export interface FakeEngines {
  /** Directory to put first on the remote PATH: holds \`vllm\` and \`python3\`. */
  readonly binDir: string;
  readonly stateDir: string;
  /** Every start so far: its pid, argv (with $0) and environment. */
  starts(): Promise<Array<{ pid: number; argv: string[]; env: Map<string, string> }>>;
}

export async function writeFakeEngines(root: string): Promise<FakeEngines> {
  const binDir = join(root, 'bin');
  const stateDir = join(root, 'state');
  await mkdir(binDir, { recursive: true });
  await mkdir(join(stateDir, 'records'), { recursive: true });
  const script = SCRIPT(process.execPath, CLI, stateDir);
  for (const name of ['vllm', 'python3']) {
    await writeFile(join(binDir, name), script);
    await chmod(join(binDir, name), 0o755);
  }
  return {
    binDir,
    stateDir,
    async starts() {
      const dir = join(stateDir, 'records');
      const names = (await readdir(dir)).filter((name) => name.endsWith('.argv')).sort();
      return Promise.all(
        names.map(async (name) => {
          const argv = (await readFile(join(dir, name), 'utf8')).split('\0').slice(0, -1);
          const envText = await readFile(join(dir, name.replace(/\.argv$/, '.env')), 'utf8').catch(() => '');
          const env = new Map<string, string>();
          for (const entry of envText.split('\0')) {
            const eq = entry.indexOf('=');
            if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
          }
          return { pid: Number(/-(\d+)\.argv$/.exec(name)?.[1]), argv, env };
        }),
      );
    },
  };
}

import { allValues, FlagError, flagOn, type ParsedFlags, parseFlags } from '../cli/index.ts';
import {
  envProblem,
  hostProblem,
  modelProblem,
  remotePathProblem,
  servedNameProblem,
  sshOptionProblem,
} from './deploy-names.ts';
import {
  type CommonOptions,
  DEFAULT_LOG_DIR,
  type DeploySubcommand,
  type DownOptions,
  type UpOptions,
} from './deploy-options.ts';
import { splitShellWords } from './split-shell-words.ts';

const COMMON_VALUES = [
  'config-file',
  'manifest',
  'ssh-user',
  'ssh-port',
  'identity',
  'ssh-option',
  'connect-timeout',
];
const UP_VALUES = [
  'hosts',
  'hosts-file',
  'hosts-env',
  'backend',
  'model-name',
  'served-model-name',
  'tensor-parallel-size',
  'gpus-per-node',
  'port',
  'bind-host',
  'max-num-seqs',
  'engine-bin',
  'python',
  'env',
  'extra-args',
  'log-dir',
  'ready-timeout',
];

/** Flags each subcommand accepts (without dashes); the usage text and docs/cli.md list their union. */
export const DEPLOY_FLAGS: Readonly<Record<DeploySubcommand, { values: string[]; booleans: string[] }>> = {
  up: { values: [...COMMON_VALUES, ...UP_VALUES], booleans: ['dry-run', 'help'] },
  status: { values: COMMON_VALUES, booleans: ['dry-run', 'help'] },
  down: { values: [...COMMON_VALUES, 'grace'], booleans: ['dry-run', 'keep-config', 'help'] },
};

export type ParsedDeployArgs =
  | { readonly kind: 'help' }
  | { readonly kind: 'up'; readonly options: UpOptions }
  | { readonly kind: 'status'; readonly options: CommonOptions }
  | { readonly kind: 'down'; readonly options: DownOptions }
  | { readonly kind: 'error'; readonly error: string };

class ArgError extends Error {}

/** `llm-router deploy <up|status|down> [flags]`; the first problem is reported, naming the flag. */
export function parseDeployArgs(argv: readonly string[]): ParsedDeployArgs {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-help' || sub === '-h' || sub === 'help')
    return { kind: 'help' };
  if (sub !== 'up' && sub !== 'status' && sub !== 'down')
    return { kind: 'error', error: `unknown subcommand "${sub}": use up, status or down (see --help)` };
  try {
    const parsed = parseFlags(rest, { ...DEPLOY_FLAGS[sub], aliases: { h: 'help' } });
    if (flagOn(parsed, 'help')) return { kind: 'help' };
    if (parsed.positional.length > 0)
      throw new ArgError(
        `unexpected argument "${parsed.positional[0]}" (extra engine flags go in --extra-args)`,
      );
    const common = commonOptions(parsed);
    if (sub === 'status') return { kind: 'status', options: common };
    if (sub === 'down') {
      return {
        kind: 'down',
        options: {
          ...common,
          graceS: number(parsed, 'grace', 30, 0, 3600),
          keepConfig: flagOn(parsed, 'keep-config'),
        },
      };
    }
    return { kind: 'up', options: upOptions(parsed, common) };
  } catch (error) {
    if (error instanceof FlagError || error instanceof ArgError)
      return { kind: 'error', error: `${error.message}${error instanceof FlagError ? ' (see --help)' : ''}` };
    throw error;
  }
}

function commonOptions(parsed: ParsedFlags): CommonOptions {
  const sshOptions = allValues(parsed, 'ssh-option');
  for (const option of sshOptions) check('ssh-option', sshOptionProblem(option));
  const user = text(parsed, 'ssh-user');
  if (user !== undefined && !/^[A-Za-z0-9._][A-Za-z0-9._-]*$/.test(user))
    throw new ArgError(`--ssh-user "${user}" is not a user name (letters, digits, . _ -)`);
  const port = parsed.flags.has('ssh-port') ? number(parsed, 'ssh-port', 22, 1, 65_535) : undefined;
  return {
    configFile: text(parsed, 'config-file'),
    manifest: text(parsed, 'manifest'),
    ssh: { user, port, identity: text(parsed, 'identity'), options: sshOptions },
    connectTimeoutS: number(parsed, 'connect-timeout', 10, 1, 600),
    dryRun: flagOn(parsed, 'dry-run'),
  };
}

function upOptions(parsed: ParsedFlags, common: CommonOptions): UpOptions {
  const backend = text(parsed, 'backend') ?? 'vllm';
  if (backend !== 'vllm' && backend !== 'sglang')
    throw new ArgError(`--backend must be vllm or sglang (got "${backend}")`);
  const model = text(parsed, 'model-name');
  if (model === undefined) throw new ArgError('--model-name is required (a model id or a path on the nodes)');
  check('model-name', modelProblem(model));
  const servedName = text(parsed, 'served-model-name') ?? model;
  check('served-model-name', servedNameProblem(servedName));
  const tensorParallel = number(parsed, 'tensor-parallel-size', 1, 1, 64);
  const gpusPerNode = number(parsed, 'gpus-per-node', 8, 1, 64);
  if (tensorParallel > gpusPerNode)
    throw new ArgError(
      `--tensor-parallel-size ${tensorParallel} is more than --gpus-per-node ${gpusPerNode}`,
    );
  const engineBin = text(parsed, 'engine-bin');
  const python = text(parsed, 'python');
  if (engineBin !== undefined && python !== undefined)
    throw new ArgError('give --engine-bin or --python, not both');
  if (engineBin !== undefined) check('engine-bin', remotePathProblem(engineBin));
  if (python !== undefined) check('python', remotePathProblem(python));
  const logDir = text(parsed, 'log-dir') ?? DEFAULT_LOG_DIR;
  check('log-dir', remotePathProblem(logDir));
  const bindHost = text(parsed, 'bind-host') ?? '0.0.0.0';
  check('bind-host', hostProblem(bindHost));
  const env = allValues(parsed, 'env');
  for (const assignment of env) check('env', envProblem(assignment));
  const extraArgs = allValues(parsed, 'extra-args').flatMap((value) => {
    const split = splitShellWords(value);
    if ('error' in split) throw new ArgError(`--extra-args: ${split.error} in ${JSON.stringify(value)}`);
    if (split.words.some((word) => word.includes('\0')))
      throw new ArgError('--extra-args: contains a NUL byte');
    return split.words;
  });
  const hostsEnv = text(parsed, 'hosts-env');
  if (hostsEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(hostsEnv))
    throw new ArgError(`--hosts-env "${hostsEnv}" is not an environment variable name`);
  return {
    ...common,
    hosts: {
      hosts: text(parsed, 'hosts'),
      hostsFile: text(parsed, 'hosts-file'),
      hostsEnv,
    },
    backend,
    model,
    servedName,
    tensorParallel,
    gpusPerNode,
    port: number(parsed, 'port', 8000, 1, 65_535),
    bindHost,
    maxNumSeqs: parsed.flags.has('max-num-seqs')
      ? number(parsed, 'max-num-seqs', 1, 1, 1_000_000)
      : undefined,
    engineBin,
    python,
    env,
    extraArgs,
    logDir,
    readyTimeoutS: number(parsed, 'ready-timeout', 1800, 1, 7 * 24 * 3600),
  };
}

function check(flag: string, problem: string | null): void {
  if (problem !== null) throw new ArgError(`--${flag} ${problem}`);
}

function text(parsed: ParsedFlags, flag: string): string | undefined {
  const value = parsed.flags.get(flag);
  if (value === undefined) return undefined;
  if (value.trim() === '') throw new ArgError(`--${flag} needs a non-empty value`);
  return value;
}

/** An integer flag within min..max; `fallback` when not given. */
function number(parsed: ParsedFlags, flag: string, fallback: number, min: number, max: number): number {
  const value = parsed.flags.get(flag);
  if (value === undefined) return fallback;
  const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new ArgError(`--${flag} must be an integer in ${min}..${max} (got "${value}")`);
  return n;
}

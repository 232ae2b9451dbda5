import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeployIo, parseDeployArgs, runDeploy } from '../../tools/deploy/index.ts';
import { resolveHosts } from '../../tools/deploy/resolve-hosts.ts';

let dir: string;
/** The file every payload below tries to create. */
const MARKER = join(tmpdir(), `llm-router-pwned-${process.pid}`);
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'llm-router-deploy-args-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const UP = ['up', '--hosts', 'gpu01', '--model-name', 'Qwen/Qwen3-8B'];

function options(argv: string[]) {
  const parsed = parseDeployArgs(argv);
  if (parsed.kind !== 'up') throw new Error(`expected up options, got ${JSON.stringify(parsed)}`);
  return parsed.options;
}

function errorOf(argv: string[]): string {
  const parsed = parseDeployArgs(argv);
  return parsed.kind === 'error' ? parsed.error : `(parsed as ${parsed.kind})`;
}

describe('deploy command line', () => {
  it('up: defaults, and every engine knob', () => {
    const o = options([
      ...UP,
      '--env',
      'HF_HOME=/data/hf',
      '--extra-args',
      "--dtype bfloat16 --chat-template '/m/a b.jinja'",
    ]);
    expect(o).toMatchObject({
      backend: 'vllm',
      model: 'Qwen/Qwen3-8B',
      servedName: 'Qwen/Qwen3-8B',
      tensorParallel: 1,
      gpusPerNode: 8,
      port: 8000,
      bindHost: '0.0.0.0',
      logDir: 'llm-router-logs',
      readyTimeoutS: 1800,
      connectTimeoutS: 10,
      dryRun: false,
      env: ['HF_HOME=/data/hf'],
      extraArgs: ['--dtype', 'bfloat16', '--chat-template', '/m/a b.jinja'],
    });
    expect(o.maxNumSeqs).toBeUndefined();
    expect(o.configFile).toBeUndefined();
  });

  it('down and status take their own flags only', () => {
    expect(parseDeployArgs(['down', '--grace', '5', '--keep-config'])).toMatchObject({
      kind: 'down',
      options: { graceS: 5, keepConfig: true },
    });
    expect(errorOf(['status', '--grace', '5'])).toContain('unknown flag "--grace"');
    expect(errorOf(['down', '--hosts', 'a'])).toContain('unknown flag "--hosts"');
    expect(errorOf(['restart'])).toContain('unknown subcommand "restart"');
    expect(parseDeployArgs([])).toEqual({ kind: 'help' });
    expect(parseDeployArgs(['up', '--help'])).toEqual({ kind: 'help' });
  });

  it.each([
    [
      ['--model-name', 'm'],
      '--tensor-parallel-size 3 is more than --gpus-per-node 2',
      ['--tensor-parallel-size', '3', '--gpus-per-node', '2'],
    ],
    [[], '--model-name is required', []],
    [['--model-name', 'm'], '--backend must be vllm or sglang', ['--backend', 'trt']],
    [
      ['--model-name', 'm'],
      'give --engine-bin or --python, not both',
      ['--engine-bin', 'vllm', '--python', 'python3'],
    ],
    [['--model-name', 'm'], '--port must be an integer in 1..65535 (got "0")', ['--port', '0']],
    [['--model-name', 'm'], '--extra-args: unterminated', ['--extra-args', "--a 'b"]],
    [['--model-name', 'm'], '--model-name "~/m"', ['--model-name', '~/m']],
  ])('up %j rejects: %s', (base, message, more) => {
    expect(errorOf(['up', '--hosts', 'h', ...base, ...more])).toContain(message);
  });
});

describe('hostile values are refused before anything runs (exit 2, nothing created)', () => {
  const cases: Array<[string, string[]]> = [
    ['host with ;', ['--hosts', `h1;touch ${MARKER}`]],
    ['host with $()', ['--hosts', `$(touch ${MARKER})`]],
    ['host that is an ssh option', ['--hosts', `-oProxyCommand=touch ${MARKER}`]],
    ['host with user@', ['--hosts', 'root@h1']],
    ['served name', ['--served-model-name', `x; touch ${MARKER}`]],
    ['model', ['--model-name', `m$(touch ${MARKER})`]],
    ['env key', ['--env', `A;touch ${MARKER}=1`]],
    ['reserved env key', ['--env', 'CUDA_VISIBLE_DEVICES=0']],
    ['log dir', ['--log-dir', `logs;touch ${MARKER}`]],
    ['engine bin', ['--engine-bin', `vllm;touch ${MARKER}`]],
    ['ssh user', ['--ssh-user', `u;touch ${MARKER}`]],
  ];

  it.each(cases)('%s', async (_name, flags) => {
    const err: string[] = [];
    const out: string[] = [];
    const io: DeployIo = {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env: {},
      cwd: dir,
      now: () => 0,
      sleep: async () => {},
    };
    const argv = ['up', '--hosts', 'h1', '--model-name', 'm', '--config-file', join(dir, 'c.yaml'), ...flags];
    expect(await runDeploy(argv, io)).toBe(2);
    expect(err.join('')).toMatch(/^llm-router deploy( up)?: /);
    expect(out.join('')).toBe('');
    expect(existsSync(MARKER)).toBe(false);
    expect(existsSync(join(dir, 'c.yaml'))).toBe(false);
  });
});

describe('resolveHosts', () => {
  it('--hosts-file: one host per line, comments and MPI slots ignored, Slurm brackets expanded', async () => {
    const file = join(dir, 'hosts');
    await writeFile(file, '# nodes\ngpu01 slots=8\n\ngpu[02-03]  # rack 2\ngpu01\n');
    expect(await resolveHosts({ hostsFile: file }, {})).toEqual({
      hosts: ['gpu01', 'gpu02', 'gpu03'],
      from: `--hosts-file ${file}`,
    });
  });

  it('falls back to SLURM_JOB_NODELIST, names --hosts-env, and refuses two sources', async () => {
    expect(await resolveHosts({}, { SLURM_JOB_NODELIST: 'node[01-02,07]' })).toEqual({
      hosts: ['node01', 'node02', 'node07'],
      from: '$SLURM_JOB_NODELIST',
    });
    expect(await resolveHosts({ hostsEnv: 'MY_NODES' }, { MY_NODES: 'a b' })).toEqual({
      hosts: ['a', 'b'],
      from: '$MY_NODES',
    });
    expect(await resolveHosts({}, {})).toEqual({
      error: 'no hosts: give --hosts, --hosts-file or --hosts-env (SLURM_JOB_NODELIST is not set either)',
    });
    expect(await resolveHosts({ hostsEnv: 'NOPE' }, {})).toEqual({
      error: '--hosts-env NOPE: the variable is not set or empty',
    });
    expect(await resolveHosts({ hosts: 'a', hostsEnv: 'B' }, {})).toEqual({
      error: 'give only one of --hosts, --hosts-file and --hosts-env',
    });
    expect(await resolveHosts({ hosts: 'good,bad_host' }, {})).toMatchObject({
      error: expect.stringContaining('"bad_host"'),
    });
  });
});

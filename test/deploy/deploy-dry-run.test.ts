// `--dry-run` prints every ssh command of each subcommand, exactly as it would run, contacting nobody.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeployIo, type DeployManifest, runDeploy } from '../../tools/deploy/index.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'llm-router-dry-run-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function dryRun(argv: string[], env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const io: DeployIo = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    env,
    cwd: dir,
    now: () => 0,
    sleep: async () => {},
  };
  const code = await runDeploy(argv, io);
  return { code, out: out.replaceAll(dir, '<dir>'), err };
}

const SSH = [
  '--ssh-user',
  'svc',
  '--ssh-port',
  '2222',
  '--identity',
  '/keys/deploy',
  '--ssh-option',
  'ProxyJump=bastion',
];

describe('deploy --dry-run', () => {
  it('up: the port probe and one launch per instance, for every node of a Slurm allocation', async () => {
    const { code, out, err } = await dryRun(
      [
        'up',
        '--dry-run',
        '--model-name',
        '/models/Qwen3-32B',
        '--served-model-name',
        'Qwen3-32B',
        '--tensor-parallel-size',
        '4',
        '--max-num-seqs',
        '128',
        '--env',
        'HF_TOKEN=it\'s a "secret"',
        '--env',
        'NCCL_DEBUG=WARN',
        '--extra-args',
        "--chat-template '/models/chat template.jinja' --enable-prefix-caching",
        ...SSH,
      ],
      { SLURM_JOB_NODELIST: 'gpu[01-02]' },
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatchSnapshot();
    expect(existsSync(join(dir, 'configs'))).toBe(false);
  });

  const manifest: DeployManifest = {
    version: 1,
    config_file: '/srv/router/configs/self_deployed_config.yaml',
    ssh: { user: 'svc', port: 2222, identity: '/keys/deploy', options: [] },
    instances: [
      ['gpu01', 8000, 4242, '0,1,2,3'],
      ['gpu01', 8001, 4300, '4,5,6,7'],
      ['gpu02', 8000, 5151, '0,1,2,3'],
    ].map(([host, port, pid, gpus]) => ({
      host: host as string,
      port: port as number,
      pid: pid as number,
      deploy_id: `vllm-${host}-${port}-0a1b2c3d`,
      gpus: gpus as string,
      log: `/home/svc/llm-router-logs/vllm-${host}-${port}.log`,
      backend: 'vllm' as const,
      served_model_name: 'Qwen3-32B',
      api_base: `http://${host}:${port}/v1`,
      command: ['vllm', 'serve', '/models/Qwen3-32B'],
      env_keys: ['HF_TOKEN'],
      started_at: '2026-11-25T10:00:00.000Z',
      status: 'ready' as const,
      ready_seconds: 81.5,
    })),
  };

  it('status and down: one ssh call per node with the ssh settings recorded by up', async () => {
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const status = await dryRun(['status', '--dry-run', '--manifest', 'manifest.json']);
    expect(status.err).toBe('');
    expect(status.code).toBe(0);
    expect(status.out).toMatchSnapshot();
    const down = await dryRun([
      'down',
      '--dry-run',
      '--manifest',
      'manifest.json',
      '--grace',
      '10',
      '--ssh-port',
      '22',
    ]);
    expect(down.err).toBe('');
    expect(down.code).toBe(0);
    expect(down.out).toMatchSnapshot();
    expect(down.out).toContain(' -p 22 ');
  });

  it('a hand-edited manifest is checked like the command line', async () => {
    const bad = { ...manifest, instances: [{ ...manifest.instances[0]!, host: 'gpu01;id' }] };
    await writeFile(join(dir, 'bad.json'), JSON.stringify(bad));
    const { code, err } = await dryRun(['status', '--dry-run', '--manifest', 'bad.json']);
    expect(code).toBe(1);
    expect(err).toContain(
      `${join(dir, 'bad.json')}: not a deploy manifest: instances.0.host: host "gpu01;id" is not`,
    );
  });

  it('status and down without a manifest say where they looked', async () => {
    const { code, err } = await dryRun(['down', '--dry-run', '--manifest', 'nope.json']);
    expect(code).toBe(1);
    expect(err).toBe(
      `llm-router deploy down: no deployment recorded in ${join(dir, 'nope.json')} (deploy up writes it; or pass --manifest)\n`,
    );
  });
});

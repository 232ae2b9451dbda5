// `llm-router deploy` end to end: the real CLI, the system ssh client against a real OpenSSH server on
// loopback, fake engines that run the simulated backend, and a real router process that hot-reloads the
// backend file deploy writes.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { SimServer } from '../../tools/sim/index.ts';
import { answers200, type CliProcess, freePort, killAllCli, spawnCli } from '../support/cli.ts';
import { closeAll, defaultMainConfig, mergeConfig, startSims, waitFor } from '../support/router-fixture.ts';
import { sshdMissing } from '../support/sshd.ts';
import { type DeployLab, pidAlive, startDeployLab } from './deploy-fleet.ts';

const missing = sshdMissing();
if (missing !== null) console.warn(`\n!!! SKIPPING llm-router deploy ssh tests: ${missing}\n`);

const BACKEND_HEADER = 'x-llm-router-backend';

interface Manifest {
  instances: Array<{ host: string; port: number; pid: number; gpus: string; api_base: string; log: string }>;
}

describe.skipIf(missing !== null)('llm-router deploy over ssh', () => {
  let lab: DeployLab;
  let router: CliProcess;
  let routerUrl: string;
  let configFile: string;
  const sims: SimServer[] = [];

  beforeAll(async () => {
    lab = await startDeployLab();
    const [existing] = await startSims([{ models: ['existing-model'] }]);
    sims.push(existing!);
    configFile = join(lab.root, 'self_deployed_config.yaml');
    await writeFile(
      configFile,
      `# Hand-written entries: deploy must keep them and this comment.
model_list:
  - model_name: "existing-model" # the old box
    litellm_params:
      model: "openai/existing-model"
      api_base: "${existing!.url}"
`,
    );
    const main = mergeConfig(defaultMainConfig(), { log: { level: 'warn' } });
    await writeFile(join(lab.root, 'config.yaml'), `${JSON.stringify(main, null, 2)}\n`);
    const port = await freePort();
    routerUrl = `http://127.0.0.1:${port}`;
    router = spawnCli(['-config', join(lab.root, 'config.yaml'), '-port', String(port)]);
    expect(await answers200(routerUrl, '/ready', 15_000), router.stderr()).toBe(true);
  });

  afterAll(async () => {
    await killAllCli();
    await closeAll(sims);
    await lab?.close();
  });

  const routerModels = async () =>
    ((await (await fetch(`${routerUrl}/v1/models`)).json()) as { data: Array<{ id: string }> }).data.map(
      (m) => m.id,
    );

  it('up starts 2 nodes x 2 instances, the running router hot-reloads them and streams through each; status; down stops them and the router drops them', async () => {
    const port = 20_000 + Math.floor(Math.random() * 5000) * 2;
    const up = await lab.deploy('up', [
      '--hosts',
      '127.0.0.1,127.0.0.2',
      '--model-name',
      'org/Model-7B',
      '--served-model-name',
      'deploy-model',
      '--tensor-parallel-size',
      '2',
      '--gpus-per-node',
      '4',
      '--port',
      String(port),
      '--max-num-seqs',
      '8',
      '--env',
      'HF_HOME=/data/hf cache',
      '--log-dir',
      join(lab.root, 'logs'),
      '--config-file',
      configFile,
      '--ready-timeout',
      '60',
    ]);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(up.stdout).toContain('4 of 4 instance(s) ready');
    expect(up.stdout).toMatch(/HOST\s+GPUS\s+PORT\s+PID\s+STATUS\s+READY IN/);

    // The backend file: the hand-written entry and comments kept, one entry per instance.
    const text = await readFile(configFile, 'utf8');
    expect(text).toContain('# Hand-written entries: deploy must keep them and this comment.');
    expect(text).toContain('# the old box');
    const list = (
      parse(text) as { model_list: Array<{ model_name: string; litellm_params: Record<string, unknown> }> }
    ).model_list;
    expect(list.map((e) => e.model_name)).toEqual(['existing-model', ...Array(4).fill('deploy-model')]);
    const deployed = list.slice(1).map((e) => e.litellm_params);
    for (const params of deployed) {
      expect(params).toMatchObject({
        model: 'openai/deploy-model',
        source_type: 'self_deployed',
        max_num_seqs: 8,
      });
    }
    const manifest = JSON.parse(await readFile(join(lab.root, 'deploy-manifest.json'), 'utf8')) as Manifest;
    expect(manifest.instances.map((i) => [i.host, i.gpus])).toEqual([
      ['127.0.0.1', '0,1'],
      ['127.0.0.1', '2,3'],
      ['127.0.0.2', '0,1'],
      ['127.0.0.2', '2,3'],
    ]);
    expect(deployed.map((p) => p.api_base).sort()).toEqual(manifest.instances.map((i) => i.api_base).sort());
    for (const instance of manifest.instances) {
      expect(pidAlive(instance.pid)).toBe(true);
      expect(instance.log).toMatch(/\/logs\/vllm-127\.0\.0\.[12]-\d+\.log$/);
    }

    // What the engines were started with: their own flags, their GPUs, the environment as given.
    const starts = await lab.engines.starts();
    expect(starts).toHaveLength(4);
    for (const start of starts) {
      const instance = manifest.instances.find((i) => i.pid === start.pid)!;
      expect(start.argv.slice(1)).toEqual([
        'serve',
        'org/Model-7B',
        '--host',
        '0.0.0.0',
        '--port',
        String(instance.port),
        '--served-model-name',
        'deploy-model',
        '--tensor-parallel-size',
        '2',
        '--max-num-seqs',
        '8',
      ]);
      expect(start.env.get('CUDA_VISIBLE_DEVICES')).toBe(instance.gpus);
      expect(start.env.get('HF_HOME')).toBe('/data/hf cache');
    }

    // The router picked the file up by itself and serves a streamed completion through every instance.
    expect(await waitFor(async () => (await routerModels()).includes('deploy-model'), 10_000, 50)).toBe(true);
    // Instances are written to the file as each comes up, and a reloaded backend serves once its probe
    // passes: wait until the router has all four healthy before asking each one to serve.
    const healthyDeployed = async () =>
      (
        (await (await fetch(`${routerUrl}/api/dashboard`)).json()) as {
          backends: Array<{ model_name: string; healthy: boolean }>;
        }
      ).backends.filter((b) => b.model_name === 'deploy-model' && b.healthy).length;
    expect(await waitFor(async () => (await healthyDeployed()) === 4, 10_000, 50)).toBe(true);
    const client = new OpenAI({ baseURL: `${routerUrl}/v1`, apiKey: 'unused', maxRetries: 0 });
    const wanted = new Set(manifest.instances.map((i) => `deploy-model@${i.api_base}`));
    const served = new Set<string>();
    for (let round = 0; round < 12 && served.size < wanted.size; round++) {
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          const { data: stream, response } = await client.chat.completions
            .create({
              model: 'deploy-model',
              messages: [{ role: 'user', content: 'hi' }],
              max_tokens: 3,
              stream: true,
            })
            .withResponse();
          let text = '';
          for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
          expect(text.trim().split(/\s+/)).toHaveLength(3);
          served.add(response.headers.get(BACKEND_HEADER) ?? '?');
        }),
      );
    }
    expect([...served].sort()).toEqual([...wanted].sort());

    const status = await lab.deploy('status', ['--config-file', configFile]);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(status.stdout).toMatch(/HOST\s+PORT\s+GPUS\s+PID\s+PROCESS\s+API\s+RUNNING\s+WAITING\s+KV CACHE/);
    for (const instance of manifest.instances) {
      expect(status.stdout).toMatch(
        new RegExp(
          `${instance.host.replaceAll('.', '\\.')}\\s+${instance.port}\\s+${instance.gpus}\\s+${instance.pid}\\s+alive\\s+serving deploy-model\\s+0\\s+0\\s+\\d+\\.\\d%`,
        ),
      );
    }
    expect(status.stdout).toContain('4 of 4 instance(s) alive and serving');

    const down = await lab.deploy('down', ['--config-file', configFile, '--grace', '5']);
    expect(down.code, down.stdout + down.stderr).toBe(0);
    expect(down.stdout).toContain(`${configFile}: 4 entries removed`);
    expect(down.stdout.match(/stopped \(SIGTERM\)/g)).toHaveLength(4);
    for (const instance of manifest.instances) expect(pidAlive(instance.pid)).toBe(false);
    expect(existsSync(join(lab.root, 'deploy-manifest.json'))).toBe(false);
    const after = await readFile(configFile, 'utf8');
    expect(after).toContain('# the old box');
    expect((parse(after) as { model_list: unknown[] }).model_list).toHaveLength(1);
    expect(await waitFor(async () => !(await routerModels()).includes('deploy-model'), 10_000, 50)).toBe(
      true,
    );
    expect(await routerModels()).toEqual(['existing-model']);

    const again = await lab.deploy('status', ['--config-file', configFile]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('no deployment recorded in');
  }, 90_000);
});

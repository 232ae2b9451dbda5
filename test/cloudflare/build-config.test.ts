import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../tools/miniflare/bundle-worker.ts';
import { CLI } from '../support/cli.ts';

function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('Worker build step: config bundled and validated like Node', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  const configDir = async (main: string, backend: string) => {
    const dir = await mkdtemp(join(tmpdir(), 'llm-router-cf-build-'));
    dirs.push(dir);
    await writeFile(join(dir, 'config.yaml'), main);
    await writeFile(join(dir, 'self_deployed_x.yaml'), backend);
    return dir;
  };

  const good =
    'model_list:\n  - model_name: m\n    litellm_params:\n      model: openai/m\n      api_base: http://127.0.0.1:9/v1\n';
  const main = 'backends:\n  config_dir: "."\n  enabled_sources: ["self_deployed"]\n';

  it('fails with the exact message the Node service prints, for the main file and a backend file', async () => {
    for (const [mainText, backendText] of [
      [`${main}routing:\n  strategy: fastest\n`, good],
      [main, good.replace('http://127.0.0.1:9/v1', 'ftp://x/v1').concat('      rpm_limit: 0\n')],
    ] as const) {
      const dir = await configDir(mainText, backendText);
      const config = join(dir, 'config.yaml');
      const node = await run([CLI, '-config', config]);
      const build = await run([CLI, 'worker-config', '-config', config, '-out', join(dir, 'out.js')]);
      expect(build.code).toBe(1);
      expect(node.code).toBe(1);
      expect(build.stderr).toContain('llm-router: invalid configuration: ');
      expect(build.stderr).toBe(node.stderr);
    }
  });

  it('writes the validated texts, backend files named relative to the main file', async () => {
    const dir = await configDir(main, good);
    const out = join(dir, 'out.js');
    const build = await run([CLI, 'worker-config', '-config', join(dir, 'config.yaml'), '-out', out]);
    expect(build.code).toBe(0);
    const module = (await import(out)) as {
      bundledConfig: { backends: Record<string, string>; main: string };
    };
    expect(module.bundledConfig.main).toBe(main);
    expect(module.bundledConfig.backends).toEqual({ 'self_deployed_x.yaml': good });
    expect(await readFile(out, 'utf8')).toMatch(/^export const bundledConfig = /);
  });
});

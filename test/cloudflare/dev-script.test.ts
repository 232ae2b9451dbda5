import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, REPO_ROOT } from '../support/cli.ts';
import { waitFor } from '../support/router-fixture.ts';

describe('npm run dev:cf (wrangler dev on the shipped config)', () => {
  const children: ReturnType<typeof spawn>[] = [];
  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode !== null || child.pid === undefined) continue;
      const exited = once(child, 'exit');
      process.kill(-child.pid, 'SIGTERM');
      await exited;
    }
  });

  it('takes the port from flags after --, overriding wrangler.toml [dev]', async () => {
    const port = await freePort();
    // detached: npm, sh, wrangler and workerd form one process group, which afterAll stops whole.
    const child = spawn('npm', ['run', 'dev:cf', '--', '--port', String(port)], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const up = await waitFor(async () => {
      const response = await fetch(`http://127.0.0.1:${port}/health`).catch(() => null);
      return response?.status === 200;
    }, 45_000);
    expect(up, output).toBe(true);
    const models = (await (await fetch(`http://127.0.0.1:${port}/v1/models`)).json()) as {
      data: { id: string }[];
    };
    expect(models.data.map((model) => model.id)).toContain('demo-model');
  }, 60_000);
});

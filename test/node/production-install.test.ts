import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, REPO_ROOT } from '../support/cli.ts';
import { waitFor } from '../support/router-fixture.ts';

const run = promisify(execFile);

/** What a built package carries: no sources, no dev dependencies. */
const SHIPPED = [
  'package.json',
  'package-lock.json',
  'bin',
  'dist',
  'public',
  'scripts',
  'config.yaml',
  'configs',
];

describe('production install: runtime dependencies only, from dist/', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('npm ci --omit=dev, then the CLI runs (--version, serve) without tsx or esbuild', async () => {
    dir = await mkdtemp(join(tmpdir(), 'llm-router-prod-'));
    // Built from the sources as they are now, straight into the copy (the checkout's dist/ may be stale).
    await run(
      process.execPath,
      [join(REPO_ROOT, 'scripts', 'build.mjs'), join(dir, 'dist', 'llm-router.mjs')],
      {
        cwd: REPO_ROOT,
      },
    );
    for (const entry of SHIPPED) await cp(join(REPO_ROOT, entry), join(dir, entry), { recursive: true });
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    await run(npm, ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: dir,
      env: { ...process.env, npm_config_loglevel: 'error' },
    });
    expect(existsSync(join(dir, 'node_modules', 'hono'))).toBe(true);
    expect(existsSync(join(dir, 'node_modules', 'tsx'))).toBe(false);
    expect(existsSync(join(dir, 'node_modules', 'esbuild'))).toBe(false);

    const cli = join(dir, 'bin', 'llm-router.mjs');
    const version = await run(process.execPath, [cli, '--version'], { cwd: dir });
    expect(version.stdout).toMatch(/^llm-router \d+\.\d+\.\d+\n$/);

    // The real server from the bundle: an empty backend directory, an ephemeral port, /health answers.
    await writeFile(
      join(dir, 'prod.yaml'),
      'backends:\n  config_dir: empty\n  enabled_sources: [self_deployed]\n',
    );
    const port = await freePort();
    const child = execFile(
      process.execPath,
      [cli, '-config', 'prod.yaml', '-port', String(port), '-host', '127.0.0.1'],
      {
        cwd: dir,
      },
    );
    try {
      const up = await waitFor(async () => {
        const response = await fetch(`http://127.0.0.1:${port}/health`).catch(() => null);
        return response?.status === 200;
      }, 15_000);
      expect(up).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
  }, 120_000);
});

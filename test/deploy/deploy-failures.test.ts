// How `llm-router deploy up` copes when engines do not come up: a port taken (before the probe and in a
// race after it), an engine exiting at start, one that never serves; and hostile values that must reach
// the engine as data. Real ssh, real sshd, fake engines running the simulated backend.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshdMissing } from '../support/sshd.ts';
import { type DeployLab, pidAlive, startDeployLab } from './deploy-fleet.ts';

const missing = sshdMissing();
if (missing !== null) console.warn(`\n!!! SKIPPING llm-router deploy ssh tests: ${missing}\n`);

/** The file every hostile value below tries to create. */
const MARKER = join(tmpdir(), `llm-router-deploy-pwned-${process.pid}`);

describe.skipIf(missing !== null)('llm-router deploy up when things go wrong', () => {
  let lab: DeployLab;
  const servers: Server[] = [];

  beforeAll(async () => {
    lab = await startDeployLab();
  });

  afterAll(async () => {
    const thief = await readFile(join(lab.engines.stateDir, 'thief.pid'), 'utf8').catch(() => '');
    if (thief !== '') process.kill(Number(thief), 'SIGKILL');
    for (const server of servers) server.close();
    await lab?.close();
  });

  /** Flags shared by the runs: one instance on 127.0.0.1, files in their own dir. */
  const one = (name: string, port: number) => [
    '--hosts',
    '127.0.0.1',
    '--gpus-per-node',
    '1',
    '--port',
    String(port),
    '--model-name',
    'org/m',
    '--served-model-name',
    'm',
    '--log-dir',
    join(lab.root, name, 'logs'),
    '--config-file',
    join(lab.root, name, 'self_deployed_config.yaml'),
  ];
  const basePort = () => 25_000 + Math.floor(Math.random() * 2000) * 4;

  it('survives a port taken before the probe and one lost in a race after it (restart on a free port)', async () => {
    const port = basePort();
    const holder = createServer();
    servers.push(holder);
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    // The fake engine's next start finds its port grabbed by another process just before it binds.
    await writeFile(join(lab.engines.stateDir, 'steal-port'), '');
    const up = await lab.deploy('up', [
      ...one('race', port),
      '--backend',
      'sglang',
      '--python',
      join(lab.engines.binDir, 'python3'),
      '--max-num-seqs',
      '4',
    ]);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    const restart = /127\.0\.0\.1:(\d+) exited: port (\d+) was taken; starting again on port (\d+)/.exec(
      up.stdout,
    );
    expect(restart, up.stdout).not.toBeNull();
    const [, first, taken, second] = restart!.map(Number) as [number, number, number, number];
    expect(first).toBe(taken);
    expect(first).toBeGreaterThan(port); // the probe saw `port` in use
    expect(second).not.toBe(first);
    expect(up.stdout).toMatch(
      new RegExp(`127\\.0\\.0\\.1\\s+0\\s+${second}\\s+\\d+\\s+ready \\(restarted\\)`),
    );
    const starts = await lab.engines.starts();
    expect(starts.at(-1)!.argv.slice(1)).toEqual([
      '-m',
      'sglang.launch_server',
      '--model-path',
      'org/m',
      '--host',
      '0.0.0.0',
      '--port',
      String(second),
      '--served-model-name',
      'm',
      '--tp',
      '1',
      '--max-running-requests',
      '4',
    ]);
    const text = await readFile(join(lab.root, 'race', 'self_deployed_config.yaml'), 'utf8');
    expect(text).toContain(`api_base: "http://127.0.0.1:${second}/v1"`);
    expect(text).not.toContain(`:${first}/v1`);

    const down = await lab.deploy('down', [
      '--config-file',
      join(lab.root, 'race', 'self_deployed_config.yaml'),
    ]);
    expect(down.code, down.stdout + down.stderr).toBe(0);
  }, 60_000);

  it('an engine that exits at start is reported with its log tail and up exits 1; hostile env values and extra args reach it as plain data', async () => {
    const dir = join(lab.root, 'crash');
    const hostile = [
      `$(touch ${MARKER})`,
      `\`touch ${MARKER}\``,
      `'; touch ${MARKER}; '`,
      `"; touch ${MARKER}; "`,
    ];
    const before = (await lab.engines.starts()).length;
    const up = await lab.deploy('up', [
      ...one('crash', basePort()),
      '--env',
      `A=${hostile[0]}`,
      '--env',
      `B=${hostile[1]}`,
      '--env',
      `C=${hostile[2]}\nsecond line`,
      '--extra-args',
      `--no-such-engine-flag '${hostile[0]}' "${hostile[1]}" ${JSON.stringify(hostile[2])}`,
      '--ready-timeout',
      '30',
    ]);
    expect(up.code, up.stdout + up.stderr).toBe(1);
    expect(up.stdout).toContain('exited before it was ready');
    expect(up.stdout).toMatch(/last lines of .*\/crash\/logs\/vllm-127\.0\.0\.1-\d+\.log:/);
    expect(up.stdout).toContain('  | llm-router sim: unknown flag "--no-such-engine-flag"');
    expect(up.stdout).toContain('0 of 1 instance(s) ready');
    expect(existsSync(join(dir, 'self_deployed_config.yaml'))).toBe(false);
    expect(existsSync(join(dir, 'deploy-manifest.json'))).toBe(false);

    const [start] = (await lab.engines.starts()).slice(before);
    expect(start!.argv.slice(-4)).toEqual(['--no-such-engine-flag', hostile[0], hostile[1], hostile[2]]);
    expect([start!.env.get('A'), start!.env.get('B'), start!.env.get('C')]).toEqual([
      hostile[0],
      hostile[1],
      `${hostile[2]}\nsecond line`,
    ]);
    expect(existsSync(MARKER)).toBe(false);
  }, 60_000);

  it('--ready-timeout: an engine that never serves is stopped at the deadline and reported', async () => {
    const before = (await lab.engines.starts()).length;
    const startedAt = performance.now();
    const up = await lab.deploy('up', [
      ...one('slow', basePort()),
      '--extra-args',
      '--models-status 503',
      '--ready-timeout',
      '2',
    ]);
    const seconds = (performance.now() - startedAt) / 1000;
    expect(up.code, up.stdout + up.stderr).toBe(1);
    expect(up.stdout).toContain('not serving m after --ready-timeout 2 s');
    expect(up.stdout).toMatch(/127\.0\.0\.1:\d+ not ready in time: stopped \(SIGTERM\)/);
    expect(up.stdout).toMatch(/127\.0\.0\.1\s+0\s+\d+\s+\d+\s+timeout/);
    expect(seconds).toBeGreaterThanOrEqual(2);
    expect(seconds).toBeLessThan(20);
    const [start] = (await lab.engines.starts()).slice(before);
    expect(pidAlive(start!.pid)).toBe(false);
    expect(existsSync(join(lab.root, 'slow', 'self_deployed_config.yaml'))).toBe(false);
  }, 60_000);
});

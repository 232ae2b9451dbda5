import { afterAll, describe, expect, it } from 'vitest';
import { type SimServer, startSimServer } from '../../tools/sim/index.ts';
import { killAllCli, runCli, spawnCli } from '../support/cli.ts';
import { waitFor } from '../support/router-fixture.ts';

const sims: SimServer[] = [];

afterAll(async () => {
  await killAllCli();
  await Promise.all(sims.map((sim) => sim.close()));
});

// The real `node bin/llm-router.mjs sim` process: its exit code is what scripts and CI see.
describe('llm-router sim process', () => {
  it('exits 2 with a message on an unknown flag', async () => {
    const { code, stderr } = await runCli(['sim', '--bogus-flag']);
    expect(code).toBe(2);
    expect(stderr).toContain('llm-router sim: unknown flag "--bogus-flag"');
  });

  it('exits 1 when a port is already in use', async () => {
    const taken = await startSimServer({ port: 0 });
    sims.push(taken);
    const { code, stderr } = await runCli(['sim', '--count', '1', '--port', String(taken.port)]);
    expect(code).toBe(1);
    expect(stderr).toContain('cannot start the fleet');
    expect(stderr).toContain('EADDRINUSE');
  });

  it('serves until SIGINT, then exits 0', async () => {
    const proc = spawnCli(['sim', '--count', '1', '--port', '0']);
    const up = await waitFor(() => proc.stdout().includes('sim[0] vllm http://127.0.0.1:'), 15_000, 25);
    expect(up, `sim did not start; stderr:\n${proc.stderr()}`).toBe(true);
    const base = /sim\[0\] \S+ (\S+)/.exec(proc.stdout())?.[1];
    expect((await fetch(`${base}/models`)).status).toBe(200);
    proc.child.kill('SIGINT');
    expect(await proc.exited).toBe(0);
    expect(proc.stdout()).toContain('sim: stopped');
  });
});

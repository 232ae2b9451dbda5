import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../tools/sim/index.ts';
import { answers200, freePort, killAllCli, REPO_ROOT, runCli, spawnCli } from '../support/cli.ts';
import {
  backendFileYaml,
  type ConfigDir,
  closeAll,
  startSims,
  waitFor,
  writeConfigDir,
} from '../support/router-fixture.ts';
import { chatJson, sseEvents } from '../support/sse.ts';

const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;

const dirs: ConfigDir[] = [];
const sims: SimServer[] = [];

afterAll(async () => {
  await killAllCli();
  await closeAll(sims);
  await Promise.all(dirs.map((dir) => dir.remove()));
});

describe('llm-router command line', () => {
  it('--version prints the package version and exits 0', async () => {
    const { code, stdout } = await runCli(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(`llm-router ${VERSION}`);
  });

  it('--help prints usage and exits 0', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage:');
    expect(stdout).toContain('-config FILE');
    expect(stdout).toContain('llm-router sim');
  });

  it('exits 1 naming the file when -config does not exist', async () => {
    const missing = '/nonexistent-llm-router-e2e/config.yaml';
    const { code, stderr } = await runCli(['-config', missing]);
    expect(code).toBe(1);
    expect(stderr).toContain(missing);
    expect(stderr).toContain('invalid configuration');
  });

  it('exits 1 naming the key and the file for an unknown routing.strategy', async () => {
    const dir = await writeConfigDir({ main: { routing: { strategy: 'bogus' } }, backends: [] });
    dirs.push(dir);
    const { code, stderr } = await runCli(['-config', dir.configPath]);
    expect(code).toBe(1);
    expect(stderr).toContain('routing.strategy');
    expect(stderr).toContain(dir.configPath);
  });

  it('exits 2 with a clear message for a -port outside 0..65535 or not a number', async () => {
    const ports = ['70000', '65536', '80a'];
    const runs = await Promise.all(ports.map((port) => runCli(['-port', port])));
    runs.forEach(({ code, stderr }, i) => {
      expect(code, ports[i]).toBe(2);
      expect(stderr).toContain(`-port must be an integer in 0..65535 (got "${ports[i]}")`);
      expect(stderr).not.toContain('RangeError');
    });
  });

  it('exits 2 when -enabled-sources names no source at all', async () => {
    const { code, stderr } = await runCli(['-enabled-sources', ' , ']);
    expect(code).toBe(2);
    expect(stderr).toContain('-enabled-sources needs at least one source name');
  });

  it("-enabled-sources replaces backends.enabled_sources: only the named sources' files load", async () => {
    const [sim] = await startSims([{ models: ['self-model', 'hosted-model'] }]);
    sims.push(sim!);
    const dir = await writeConfigDir({
      main: { log: { level: 'warn' } },
      backends: [{ model_name: 'self-model', api_base: sim! }],
    });
    dirs.push(dir);
    await writeFile(
      join(dir.dir, 'openai_hosted.yaml'),
      backendFileYaml([{ model_name: 'hosted-model', api_base: sim! }]),
    );
    const models = async (args: string[]) => {
      // A fresh port per run: under load another process may take a port between two runs.
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const proc = spawnCli(['-config', dir.configPath, '-port', String(port), ...args]);
      const up = await answers200(url, '/health', 10_000);
      expect(up, `router did not come up; stderr:\n${proc.stderr()}`).toBe(true);
      const list = (await (await fetch(`${url}/v1/models`)).json()) as { data: { id: string }[] };
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
      return list.data.map((model) => model.id);
    };
    expect(await models([])).toEqual(['self-model']);
    expect(await models(['-enabled-sources', 'openai'])).toEqual(['hosted-model']);
    expect(await models(['--enabled-sources', 'openai, self_deployed'])).toEqual([
      'hosted-model',
      'self-model',
    ]);
  });

  it('exits 2 on an unknown flag, with usage on stderr', async () => {
    const { code, stdout, stderr } = await runCli(['--no-such-flag']);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown flag "--no-such-flag"');
    expect(stderr).toContain('Usage:');
    expect(stdout).toBe('');
  });
});

describe('llm-router process', () => {
  it('serves completions, and on SIGTERM finishes an open stream before exiting 0', async () => {
    const [sim] = await startSims([{ models: ['cli-model'], ttftMs: 5, tokensPerSecond: 20 }]);
    sims.push(sim!);
    const port = await freePort();
    const dir = await writeConfigDir({
      main: { server: { shutdown_grace: 10 }, log: { level: 'warn' } },
      backends: [{ model_name: 'cli-model', api_base: sim! }],
    });
    dirs.push(dir);
    const proc = spawnCli(['-config', dir.configPath, '-port', String(port), '-log-level', 'warn']);
    const url = `http://127.0.0.1:${port}`;
    const up = await answers200(url, '/health', 10_000);
    expect(up, `router did not come up; stderr:\n${proc.stderr()}`).toBe(true);

    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'cli-model',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 2,
    });
    expect(completion.choices[0]?.message.content).toBe('lorem ipsum ');

    // A 1-second stream: 20 tokens at 20 tokens/s.
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chatJson('cli-model', { max_tokens: 20, stream: true }),
    });
    expect(res.status).toBe(200);
    const events = sseEvents(res.body!);
    const data: string[] = [];
    const first = await events.next();
    data.push(first.value!.data);

    const signalledAt = Date.now();
    proc.child.kill('SIGTERM');
    const exitedAt = proc.exited.then(() => Date.now());
    // New work is turned away while draining (refused, or 503 on a kept-alive socket).
    await waitFor(() => proc.stderr().includes('SIGTERM received'), 5000, 10);
    const late = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chatJson('cli-model', { max_tokens: 1 }),
    }).then(
      (r) => r.status,
      () => 'refused',
    );
    expect(late === 'refused' || late === 503).toBe(true);

    for await (const event of events) data.push(event.data);
    expect(data[data.length - 1]).toBe('[DONE]');
    const text = data
      .slice(0, -1)
      .map(
        (raw) =>
          (JSON.parse(raw) as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content ??
          '',
      )
      .join('');
    expect(text.split(' ').filter(Boolean)).toHaveLength(20);

    expect(await proc.exited).toBe(0);
    // 19 tokens were still to come at 50 ms each: the process waited for them instead of exiting at once.
    expect((await exitedAt) - signalledAt).toBeGreaterThanOrEqual(700);
    expect(proc.stderr()).toContain('SIGTERM received, draining in-flight requests');
    expect(sim!.stats().completed).toBe(2);
    expect(sim!.stats().cancelled).toBe(0);
  });

  it('fails to start with exit 1 when the port is taken', async () => {
    const dir = await writeConfigDir({ backends: [] });
    dirs.push(dir);
    // A sim already listens on the port.
    const [sim] = await startSims([{ models: ['m'] }]);
    sims.push(sim!);
    const { code, stderr } = await runCli([
      '-config',
      dir.configPath,
      '-port',
      String(sim!.port),
      '-host',
      '127.0.0.1',
    ]);
    expect(code).toBe(1);
    expect(stderr).toContain('cannot listen');
  });
});

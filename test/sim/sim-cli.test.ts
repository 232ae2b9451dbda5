import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import {
  backendConfigYaml,
  parseSimArgs,
  runSimCli,
  type SimServer,
  simSpecs,
  startSimFleet,
} from '../../tools/sim/index.ts';

interface ModelListEntry {
  model_name: string;
  litellm_params: {
    model: string;
    api_base: string;
    api_key: string;
    weight: number;
    source_type: string;
    rpm_limit: number | null;
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('llm-router sim: command line', () => {
  it('--help prints usage to stdout and exits 0', async () => {
    const writes: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    expect(await runSimCli(['--help'])).toBe(0);
    const text = writes.join('');
    expect(text).toContain('Usage: llm-router sim');
    expect(text).toContain('--max-num-seqs');
    expect(text).toContain('--write-config');
  });

  it('a bad flag prints a clear message to stderr and returns exit code 2', async () => {
    const errors: string[] = [];
    const bad = await runSimCli(['--count', 'many'], { err: (t) => errors.push(t), out: () => undefined });
    expect(bad).toBe(2);
    expect(errors.join('')).toMatch(/--count must be an integer/);
    expect(await runSimCli(['--bogus'], { err: (t) => errors.push(t) })).toBe(2);
    expect(errors.join('')).toContain('unknown flag "--bogus"');
  });

  it('a port already taken returns exit code 1 with the reason', async () => {
    const [taken] = await startSimFleet([{ port: 0 }]);
    const errors: string[] = [];
    try {
      const code = await runSimCli(['--count', '1', '--port', String(taken?.port)], {
        err: (t) => errors.push(t),
        out: () => undefined,
      });
      expect(code).toBe(1);
      expect(errors.join('')).toContain('cannot start the fleet');
      expect(errors.join('')).toContain('EADDRINUSE');
    } finally {
      await taken?.close();
    }
  });

  it('accepts -flag, --flag value and --flag=value forms', () => {
    const parsed = parseSimArgs([
      '-count=3',
      '--port',
      '9100',
      '--engine=mixed',
      '--model',
      'a,b',
      '-model',
      'c',
      '--speeds',
      '1,0.5',
      '--error-rate=0.25',
      '--api-key',
      'k',
    ]);
    if (!parsed.ok) throw new Error(parsed.error);
    const specs = simSpecs(parsed.config);
    expect(specs.map((s) => [s.port, s.engine, s.speed])).toEqual([
      [9100, 'vllm', 1],
      [9101, 'sglang', 0.5],
      [9102, 'vllm', 1],
    ]);
    expect(specs[0]?.models).toEqual(['a', 'b', 'c']);
    expect(specs[0]?.apiKey).toBe('k');
    expect(specs[0]?.faults?.errorRate).toBe(0.25);
  });

  it('starts the fleet, writes the backend file atomically and stops on abort', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-cli-'));
    const path = join(dir, 'configs', 'self_deployed_config.yaml');
    const lines: string[] = [];
    const controller = new AbortController();
    let exit: Promise<number> | undefined;
    const written = new Promise<void>((resolve) => {
      const out = (text: string): void => {
        lines.push(text);
        if (text.startsWith('sim: wrote')) resolve();
      };
      exit = runSimCli(['--count', '2', '--port', '0', '--engine', 'mixed', '--write-config', path], {
        out,
        signal: controller.signal,
      });
    });
    await written;
    const entries = (parse(await readFile(path, 'utf8')) as { model_list: ModelListEntry[] }).model_list;
    expect(entries).toHaveLength(2);
    const started = lines.filter((l) => l.startsWith('sim['));
    expect(started).toHaveLength(2);
    expect(started[1]).toContain('sglang');
    const base = entries[0]?.litellm_params.api_base ?? '';
    expect((await fetch(`${base}/models`)).status).toBe(200);
    expect(await readdir(join(dir, 'configs'))).toEqual(['self_deployed_config.yaml']);
    controller.abort();
    expect(await exit).toBe(0);
    expect(lines).toContain('sim: stopped\n');
    await rm(dir, { recursive: true, force: true });
  });
});

describe('backendConfigYaml', () => {
  let fleet: SimServer[] = [];
  afterEach(async () => {
    await Promise.all(fleet.map((s) => s.close()));
    fleet = [];
  });

  it('produces a LiteLLM model_list with one entry per server and model', async () => {
    fleet = await startSimFleet([
      { models: ['m1', 'm2'] },
      { models: ['m1'], apiKey: 'sk-x', engine: 'sglang' },
    ]);
    const doc = parse(backendConfigYaml(fleet, { sourceType: 'self_deployed' })) as {
      model_list: ModelListEntry[];
    };
    expect(doc.model_list).toHaveLength(3);
    expect(doc.model_list[0]).toEqual({
      model_name: 'm1',
      litellm_params: {
        model: 'openai/m1',
        api_base: fleet[0]?.url,
        api_key: 'dummy',
        weight: 1,
        source_type: 'self_deployed',
        rpm_limit: null,
      },
    });
    expect(doc.model_list[2]?.litellm_params).toMatchObject({ api_base: fleet[1]?.url, api_key: 'sk-x' });
    expect(parse(backendConfigYaml([], { sourceType: 'x' }))).toEqual({ model_list: [] });
  });
});

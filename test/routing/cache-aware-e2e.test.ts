// cache-aware end to end, as a user runs it: `llm-router sim --prefix-cache-tokens` as its own process
// writing the backend file, and `llm-router -config` (the real router process) routing by prompt prefix.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEngineLoad } from '../../src/index.ts';
import { killAllCli, spawnCli } from '../support/cli.ts';
import { waitFor } from '../support/router-fixture.ts';

const dirs: string[] = [];
afterAll(async () => {
  await killAllCli();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const LISTENING = /llm-router listening url=(\S+)/;
const SIMS = 3;

/** A long system prompt per group (~2,000 prompt tokens), then a short question. */
function body(model: string, group: string, question: number): string {
  const system = `[${group}] ${`Rules of the ${group} task: answer in one line, cite the record. `.repeat(120)}`;
  return JSON.stringify({
    model,
    stream: true,
    max_tokens: 5,
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: `Record ${question}: what is its category?` },
    ],
  });
}

async function send(url: string, text: string): Promise<string> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: text,
  });
  expect(response.status).toBe(200);
  await response.text();
  return response.headers.get('x-llm-router-backend') ?? '';
}

async function simHits(apiBases: readonly string[]): Promise<{ hits: number; queries: number }> {
  let hits = 0;
  let queries = 0;
  for (const base of apiBases) {
    const load = parseEngineLoad(await (await fetch(`${base.replace(/\/v1$/, '')}/metrics`)).text());
    hits += load.prefixCacheHits ?? 0;
    queries += load.prefixCacheQueries ?? 0;
  }
  return { hits, queries };
}

describe('cache-aware through the real router process and the simulated fleet', () => {
  it('keeps each repeated prefix on one engine, so its prefix-cache hits rise; per_model leaves the other model to least-waiting', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'llm-router-cache-aware-'));
    dirs.push(dir);
    await mkdir(join(dir, 'configs'));
    const backendFile = join(dir, 'configs', 'self_deployed_sim.yaml');
    // Room for every group's prompt on every engine: whichever engine a group lands on keeps it.
    const sim = spawnCli([
      'sim',
      ...['--count', String(SIMS), '--port', '0', '--model', 'ca,lw'],
      ...['--prefix-cache-tokens', '20000', '--prefill-ms-per-token', '0.05', '--ttft-ms', '2'],
      // Decoding takes tens of ms, not one or two: cache-aware weighs each engine's decode time against
      // its peers', and on a loaded test machine a 2 ms decode is mostly scheduling noise.
      ...['--tokens-per-second', '100', '--write-config', backendFile],
    ]);
    expect(await waitFor(() => existsSync(backendFile), 20_000, 20)).toBe(true);
    await writeFile(
      join(dir, 'config.yaml'),
      [
        'routing:',
        '  strategy: least-waiting',
        '  per_model:',
        '    ca: { strategy: cache-aware }',
        'monitor:',
        '  collect_interval: 0.2',
        'backends:',
        '  config_dir: configs',
        '  enabled_sources: [self_deployed]',
        '',
      ].join('\n'),
    );
    const router = spawnCli(['-config', join(dir, 'config.yaml'), '-port', '0', '-host', '127.0.0.1']);
    expect(await waitFor(() => LISTENING.test(router.stderr()), 20_000, 20)).toBe(true);
    const url = LISTENING.exec(router.stderr())![1]!;
    expect(
      await waitFor(
        () =>
          fetch(`${url}/ready`).then(
            (r) => r.status === 200,
            () => false,
          ),
        20_000,
        50,
      ),
    ).toBe(true);
    const apiBases = [...sim.stdout().matchAll(/(http:\/\/127\.0\.0\.1:\d+\/v1)/g)].map((m) => m[1]!);
    expect(new Set(apiBases).size).toBe(SIMS);

    const groups = ['alpha', 'beta', 'gamma'];
    const served = async (model: string, rounds: number) => {
      const byGroup = new Map<string, Set<string>>();
      for (let round = 0; round < rounds; round++) {
        for (const group of groups) {
          const backend = await send(url, body(model, `${model}-${group}`, round));
          const set = byGroup.get(group) ?? new Set<string>();
          set.add(backend);
          byGroup.set(group, set);
        }
      }
      return byGroup;
    };

    const before = await simHits(apiBases);
    const cacheAware = await served('ca', 6);
    const after = await simHits(apiBases);
    // Every group stayed on one engine (three idle engines tie on load: by chance, all six requests of
    // a group would share an engine once in 243 runs, of all three groups once in 14 million)...
    for (const group of groups) expect(cacheAware.get(group)?.size, group).toBe(1);
    // ...so after its first request every prefill found the group's prompt cached: hits rose.
    expect(after.hits - before.hits).toBeGreaterThan(0.7 * (after.queries - before.queries));

    // The other model goes by least-waiting (routing.per_model): no prefix index is kept for it.
    await served('lw', 1);

    // The router shows each engine's hit rate and its prefix index (dashboard, /metrics).
    await waitFor(async () => {
      const data = (await (await fetch(`${url}/api/dashboard`)).json()) as {
        backends: { prefix_cache_hit_rate: number | null }[];
      };
      return data.backends.some((b) => (b.prefix_cache_hit_rate ?? 0) > 0);
    }, 5000);
    const dashboard = (await (await fetch(`${url}/api/dashboard`)).json()) as {
      backends: { prefix_cache_hit_rate: number | null }[];
      models: { name: string; prefix_index: { entries: number; capacity: number } | null }[];
    };
    expect(dashboard.backends.some((b) => (b.prefix_cache_hit_rate ?? 0) > 30)).toBe(true);
    const index = dashboard.models.find((m) => m.name === 'ca')?.prefix_index;
    expect(index?.entries).toBeGreaterThan(0);
    expect(index?.capacity).toBe(65_536);
    expect(dashboard.models.find((m) => m.name === 'lw')?.prefix_index).toBeNull();
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^llm_router_backend_prefix_cache_hit_ratio\{backend="ca@[^"]+",.*\} 0\.\d+$/m);
    expect(metrics).toMatch(/^llm_router_prefix_index_entries\{model="ca"\} [1-9]\d*$/m);

    router.child.kill('SIGTERM');
    sim.child.kill('SIGTERM');
    expect(await router.exited).toBe(0);
  }, 60_000);
});

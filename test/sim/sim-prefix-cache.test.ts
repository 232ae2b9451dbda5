import { afterEach, describe, expect, it } from 'vitest';
import { parseEngineLoad } from '../../src/index.ts';
import { type SimServer, startSimServer } from '../../tools/sim/index.ts';
import { BLOCK_CHARS, BLOCK_TOKENS, PrefixCache, promptBlocks } from '../../tools/sim/sim-prefix-cache.ts';
import { metricValue, postJson, readSse, rootOf } from './sim-helpers.ts';

const servers: SimServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const text = (seed: string, blocks: number) => `${seed}:`.padEnd(BLOCK_CHARS, '.').repeat(blocks);

describe('sim prefix cache (unit)', () => {
  it('chains block hashes: a shared prefix shares hashes, a change alters every later block', () => {
    const a = promptBlocks(`${text('sys', 10)}question one`);
    const b = promptBlocks(`${text('sys', 10)}another question, longer than one block of text for sure.....`);
    expect(a.slice(0, 10)).toEqual(b.slice(0, 10));
    const changed = promptBlocks(`x${text('sys', 10).slice(1)}`);
    for (let k = 0; k < 10; k++) expect(changed[k]).not.toBe(a[k]);
  });

  it('reuses the longest cached run of leading blocks, evicts least recently used, and counts tokens', () => {
    const cache = new PrefixCache(10 * BLOCK_TOKENS);
    const first = promptBlocks(text('a', 8));
    expect(cache.lookup(first, 8 * BLOCK_TOKENS)).toBe(0);
    cache.insert(first);
    // Fully cached: the last token is still computed.
    expect(cache.lookup(first, 8 * BLOCK_TOKENS)).toBe(8 * BLOCK_TOKENS - 1);
    expect(cache.lookup(promptBlocks(text('a', 12)), 12 * BLOCK_TOKENS)).toBe(8 * BLOCK_TOKENS);
    // Six new blocks in a 10-block cache: the tail of the older prefix goes first, its head stays.
    cache.insert(promptBlocks(text('b', 6)));
    expect(cache.size).toBe(10);
    expect(cache.lookup(first, 8 * BLOCK_TOKENS)).toBe(4 * BLOCK_TOKENS);
    expect(cache.queries).toBe(8 * 16 * 3 + 12 * 16);
    expect(cache.hits).toBe(127 + 128 + 64);
  });
});

describe('sim server with --prefix-cache-tokens', () => {
  const system = `You are the house assistant. ${'Keep every answer short and precise. '.repeat(60)}`;
  const ask = (question: string) => ({
    model: 'demo-model',
    stream: true,
    max_tokens: 2,
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: question },
    ],
  });
  const ttftOf = async (s: SimServer, body: unknown) => {
    const started = performance.now();
    const events = await readSse(await postJson(`${s.url}/chat/completions`, body));
    return events[0]!.at - started;
  };

  it('prefills a repeated prefix faster and exports vLLM prefix-cache counters', async () => {
    // ~600 prompt tokens at 0.5 ms each: 300 ms cold, a few ms once the system prompt is cached.
    const s = await startSimServer({ ttftMs: 5, prefillMsPerToken: 0.5, prefixCacheTokens: 100_000 });
    servers.push(s);
    const cold = await ttftOf(s, ask('first question'));
    const warm = await ttftOf(s, ask('a second, different question'));
    expect(cold).toBeGreaterThan(250);
    expect(warm).toBeLessThan(cold / 3);
    const metrics = await (await fetch(`${rootOf(s.url)}/metrics`)).text();
    const queries = metricValue(metrics, 'vllm:prefix_cache_queries_total');
    const hits = metricValue(metrics, 'vllm:prefix_cache_hits_total');
    expect(hits / queries).toBeGreaterThan(0.4);
    // The router reads them as it reads a real vLLM's.
    expect(parseEngineLoad(metrics)).toMatchObject({ prefixCacheQueries: queries, prefixCacheHits: hits });
  });

  it('exports SGLang’s cache_hit_rate gauge, and nothing new without the flag', async () => {
    const sglang = await startSimServer({ engine: 'sglang', ttftMs: 1, prefixCacheTokens: 100_000 });
    const plain = await startSimServer({ ttftMs: 1 });
    servers.push(sglang, plain);
    for (let i = 0; i < 2; i++) await ttftOf(sglang, ask(`q${i}`));
    const rate = parseEngineLoad(
      await (await fetch(`${rootOf(sglang.url)}/metrics`)).text(),
    ).prefixCacheHitRate;
    expect(rate).toBeGreaterThan(0.3);
    await ttftOf(plain, ask('q'));
    const metrics = await (await fetch(`${rootOf(plain.url)}/metrics`)).text();
    expect(metrics).not.toContain('prefix_cache');
  });
});

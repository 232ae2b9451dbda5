/** Tokens per KV block: vLLM's default `--block-size`. */
export const BLOCK_TOKENS = 16;
/** Characters per block, at the sim's estimate of four characters per token (sim-request.ts). */
export const BLOCK_CHARS = BLOCK_TOKENS * 4;
/** Admissions the SGLang-style hit-rate gauge averages over. */
const RECENT = 64;

/**
 * Chained hashes of a prompt's text in BLOCK_CHARS blocks, as an engine hashes its token blocks: block k's
 * hash covers everything up to the end of block k, so equal hashes mean equal prefixes. Only whole blocks.
 */
export function promptBlocks(text: string): number[] {
  const count = Math.floor(text.length / BLOCK_CHARS);
  const out = new Array<number>(count);
  let h = 0x811c9dc5;
  for (let k = 0; k < count; k++) {
    const end = (k + 1) * BLOCK_CHARS;
    for (let i = k * BLOCK_CHARS; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) ^ k;
    out[k] = h;
  }
  return out;
}

/**
 * One engine's automatic prefix cache in miniature: an LRU of block hashes holding `capacityTokens`
 * tokens. A request reuses its longest cached run of leading blocks (at least its last token is always
 * computed, as in vLLM); its blocks are cached once its prefill is done, the first block most recently
 * used so a prefix's tail is evicted before its head. Counters in tokens, like vLLM's
 * `prefix_cache_queries` / `prefix_cache_hits`.
 */
export class PrefixCache {
  readonly #capacityBlocks: number;
  /** Map order is recency order: the first key is the least recently used block. */
  readonly #blocks = new Map<number, true>();
  queries = 0;
  hits = 0;
  readonly #recent: { queried: number; hit: number }[] = [];

  constructor(capacityTokens: number) {
    this.#capacityBlocks = Math.floor(capacityTokens / BLOCK_TOKENS);
  }

  /** Tokens of a `promptTokens`-token prompt found cached; counts the lookup. */
  lookup(blocks: readonly number[], promptTokens: number): number {
    const matched = this.peek(blocks);
    // Blocks in use are recently used: touch them, head last so it is the most recent.
    for (let k = matched - 1; k >= 0; k--) this.#touch(blocks[k]!);
    const cached = Math.max(0, Math.min(matched * BLOCK_TOKENS, promptTokens - 1));
    this.queries += promptTokens;
    this.hits += cached;
    this.#recent.push({ queried: promptTokens, hit: cached });
    if (this.#recent.length > RECENT) this.#recent.shift();
    return cached;
  }

  /** Leading blocks of `blocks` held now, without counting or touching anything (what an oracle reads). */
  peek(blocks: readonly number[]): number {
    let matched = 0;
    while (matched < blocks.length && this.#blocks.has(blocks[matched]!)) matched++;
    return matched;
  }

  /** The prompt's prefill is done: its blocks are cached. */
  insert(blocks: readonly number[]): void {
    for (let k = blocks.length - 1; k >= 0; k--) this.#touch(blocks[k]!);
    while (this.#blocks.size > this.#capacityBlocks) {
      const oldest = this.#blocks.keys().next().value as number;
      this.#blocks.delete(oldest);
    }
  }

  /** Hit rate of the last admissions (SGLang's `cache_hit_rate` gauge covers recent prefill batches). */
  recentHitRate(): number {
    let queried = 0;
    let hit = 0;
    for (const r of this.#recent) {
      queried += r.queried;
      hit += r.hit;
    }
    return queried === 0 ? 0 : hit / queried;
  }

  /** A crash loses the KV cache (the counters live on, as the sim's other counters do). */
  clear(): void {
    this.#blocks.clear();
  }

  get size(): number {
    return this.#blocks.size;
  }

  #touch(hash: number): void {
    this.#blocks.delete(hash);
    this.#blocks.set(hash, true);
  }
}

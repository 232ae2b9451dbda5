import { performance } from 'node:perf_hooks';
import { TtftHistogram } from './sim-histogram.ts';
import type { SimOptions } from './sim-options.ts';
import { PrefixCache } from './sim-prefix-cache.ts';

/** What the engine needs to know about one request. `maxTokens` 0 means prefill only (embeddings). */
export interface SequenceRequest {
  promptTokens: number;
  maxTokens: number;
  /** The prompt's chained block hashes (sim-prefix-cache.ts), for the prefix cache; absent: none. */
  blocks?: readonly number[];
}

/** Callbacks of one sequence; never called after `cancel()`. */
export interface SequenceSink {
  /** Token `index` (0-based) is ready; index 0 arrives at TTFT. */
  onToken(index: number): void;
  onDone(): void;
}

export interface SequenceHandle {
  /** Frees the slot (or the queue place) at once and stops the timers; idempotent. */
  cancel(): void;
}

export interface EngineSnapshot {
  running: number;
  waiting: number;
  /** Fraction 0..1 of the KV capacity held by running sequences. */
  kvUsage: number;
  kvTokens: number;
  promptTokensTotal: number;
  generationTokensTotal: number;
  /** Prefix cache (with `prefixCacheTokens`): tokens looked up and found, and the recent hit rate. */
  prefixCache: { queries: number; hits: number; recentHitRate: number } | null;
}

/** Upper bound on tokens one sequence emits per timer callback when it is behind schedule. */
const MAX_TOKENS_PER_WAKEUP = 16;

interface Sequence extends SequenceRequest {
  blocks: readonly number[];
  sink: SequenceSink;
  arrivedAt: number;
  firstTokenAt: number;
  intervalMs: number;
  emitted: number;
  timer: NodeJS.Timeout | null;
  state: 'waiting' | 'running' | 'done';
}

/**
 * A continuous-batching scheduler in miniature: at most `maxNumSeqs` sequences run, the rest wait FIFO.
 * Each running sequence owns one timer at a time (a setTimeout chain on absolute due times, so event-loop
 * lag does not accumulate into a slower decode rate); nothing ticks when the engine is idle.
 */
export class SimEngine {
  readonly ttft = new TtftHistogram();
  private readonly running = new Set<Sequence>();
  // A Set keeps insertion order and deletes in O(1), which makes queued cancellations cheap.
  private readonly waiting = new Set<Sequence>();
  private kvTokens = 0;
  private promptTokensTotal = 0;
  private generationTokensTotal = 0;
  private readonly prefixCache: PrefixCache | null;

  constructor(private readonly options: SimOptions) {
    this.prefixCache = options.prefixCacheTokens > 0 ? new PrefixCache(options.prefixCacheTokens) : null;
  }

  submit(request: SequenceRequest, sink: SequenceSink): SequenceHandle {
    const seq: Sequence = {
      promptTokens: Math.max(0, Math.floor(request.promptTokens)),
      maxTokens: Math.max(0, Math.floor(request.maxTokens)),
      blocks: request.blocks ?? [],
      sink,
      arrivedAt: performance.now(),
      firstTokenAt: 0,
      intervalMs: 0,
      emitted: 0,
      timer: null,
      state: 'waiting',
    };
    this.waiting.add(seq);
    this.admit();
    return { cancel: () => this.finish(seq) };
  }

  snapshot(): EngineSnapshot {
    return {
      running: this.running.size,
      waiting: this.waiting.size,
      kvUsage: Math.min(1, this.kvTokens / this.options.kvCapacityTokens),
      kvTokens: this.kvTokens,
      promptTokensTotal: this.promptTokensTotal,
      generationTokensTotal: this.generationTokensTotal,
      prefixCache: this.prefixCache
        ? {
            queries: this.prefixCache.queries,
            hits: this.prefixCache.hits,
            recentHitRate: this.prefixCache.recentHitRate(),
          }
        : null,
    };
  }

  /**
   * Drops every sequence and the prefix cache, without callbacks: what a crashed engine loses. Counters
   * survive (like a scrape cache).
   */
  reset(): void {
    this.prefixCache?.clear();
    for (const seq of [...this.waiting, ...this.running]) this.release(seq);
    this.admit();
  }

  private admit(): void {
    while (this.running.size < this.options.maxNumSeqs && this.waiting.size > 0) {
      const seq = this.waiting.values().next().value as Sequence;
      this.waiting.delete(seq);
      this.start(seq);
    }
  }

  private start(seq: Sequence): void {
    const { ttftMs, prefillMsPerToken, tokensPerSecond, speed } = this.options;
    const now = performance.now();
    seq.state = 'running';
    // A cached prefix skips its share of the prefill.
    const cached = this.prefixCache?.lookup(seq.blocks, seq.promptTokens) ?? 0;
    seq.firstTokenAt = now + (ttftMs + (seq.promptTokens - cached) * prefillMsPerToken) / speed;
    seq.intervalMs = 1000 / (tokensPerSecond * speed);
    this.running.add(seq);
    this.kvTokens += seq.promptTokens;
    this.promptTokensTotal += seq.promptTokens;
    this.arm(seq, seq.firstTokenAt - now);
  }

  private arm(seq: Sequence, delayMs: number): void {
    seq.timer = setTimeout(() => this.step(seq), Math.max(0, delayMs));
  }

  private step(seq: Sequence): void {
    seq.timer = null;
    if (seq.state !== 'running') return;
    if (seq.emitted === 0) {
      this.ttft.observe((performance.now() - seq.arrivedAt) / 1000);
      // Prefill done: the prompt's blocks are in the cache from now on.
      this.prefixCache?.insert(seq.blocks);
    }
    // Tokens already due (rates above ~1000/s, or a stalled event loop) go out in this callback instead of
    // one 1 ms timer each; the cap keeps one sequence from monopolising the loop.
    for (let budget = MAX_TOKENS_PER_WAKEUP; budget > 0; budget--) {
      if (seq.emitted >= seq.maxTokens) {
        this.complete(seq);
        return;
      }
      const index = seq.emitted++;
      this.kvTokens++;
      this.generationTokensTotal++;
      seq.sink.onToken(index);
      // The sink may have cancelled (e.g. an injected mid-stream drop) while handling the token.
      if (seq.state !== 'running') return;
      if (seq.emitted >= seq.maxTokens) {
        this.complete(seq);
        return;
      }
      const wait = seq.firstTokenAt + seq.emitted * seq.intervalMs - performance.now();
      if (wait > 0) {
        this.arm(seq, wait);
        return;
      }
    }
    this.arm(seq, 0);
  }

  private complete(seq: Sequence): void {
    this.release(seq);
    seq.sink.onDone();
    this.admit();
  }

  private finish(seq: Sequence): void {
    if (seq.state === 'done') return;
    this.release(seq);
    this.admit();
  }

  private release(seq: Sequence): void {
    if (seq.timer) clearTimeout(seq.timer);
    seq.timer = null;
    if (seq.state === 'running') {
      this.running.delete(seq);
      this.kvTokens -= seq.promptTokens + seq.emitted;
    } else if (seq.state === 'waiting') {
      this.waiting.delete(seq);
    }
    seq.state = 'done';
  }
}

import type { EngineLoad } from '../../src/index.ts';
import { PrefixCache } from '../../tools/sim/index.ts';
import type { Arrival } from './arrivals.ts';
import type { SimSpec } from './fleet-spec.ts';

/** One request inside a virtual engine. */
export interface Seq {
  readonly arrival: Arrival;
  readonly backend: number;
  /** Sent straight to the engine by another client (not through the router). */
  readonly direct: boolean;
  readonly promptTokens: number;
  /** The prompt's block hashes as the sim computes them (empty without a prefix cache). */
  readonly blocks: readonly number[];
  firstTokenAt: number;
  intervalMs: number;
  completeAt: number;
}

/**
 * A discrete-event model of one sim (tools/sim/sim-engine.ts): FIFO queue, max_num_seqs slots, the sim's
 * TTFT and decode timing, and with `prefixCacheTokens` the sim's own prefix cache (its PrefixCache
 * class): looked up at admission (a cached prefix skips its share of the prefill), filled at the first
 * token.
 */
export class VirtualEngine {
  readonly running = new Set<Seq>();
  readonly waiting: Seq[] = [];
  readonly cache: PrefixCache | null;
  #head = 0;
  readonly #ttft: number;
  readonly #prefill: number;
  readonly #tps: number;
  readonly #speed: number;
  readonly #slots: number;
  readonly #kvCapacity: number;

  constructor(spec: SimSpec) {
    const o = spec.options;
    this.#ttft = o.ttftMs ?? 80;
    this.#prefill = o.prefillMsPerToken ?? 0.02;
    this.#tps = o.tokensPerSecond ?? 40;
    this.#speed = o.speed ?? 1;
    this.#slots = o.maxNumSeqs ?? 256;
    this.#kvCapacity = o.kvCapacityTokens ?? 200_000;
    this.cache = (o.prefixCacheTokens ?? 0) > 0 ? new PrefixCache(o.prefixCacheTokens!) : null;
  }

  /** Tokens emitted by finished sequences (the engine's generation counter, with the running ones'). */
  generated = 0;

  get queued(): number {
    return this.waiting.length - this.#head;
  }

  get slots(): number {
    return this.#slots;
  }

  /** Time to first token of a `promptTokens` prompt admitted now with `cached` of them cached. */
  prefillMs(promptTokens: number, cached: number): number {
    return (this.#ttft + (promptTokens - cached) * this.#prefill) / this.#speed;
  }

  /** Slot time of the decode of `maxTokens` tokens. */
  decodeMs(maxTokens: number): number {
    return ((maxTokens - 1) * 1000) / (this.#tps * this.#speed);
  }

  /** Admit FIFO into free slots; returns the sequences that started (their completion must be scheduled). */
  admit(now: number): Seq[] {
    const started: Seq[] = [];
    while (this.running.size < this.#slots && this.#head < this.waiting.length) {
      const seq = this.waiting[this.#head++]!;
      const cached = this.cache?.lookup(seq.blocks, seq.promptTokens) ?? 0;
      seq.firstTokenAt = now + this.prefillMs(seq.promptTokens, cached);
      seq.intervalMs = 1000 / (this.#tps * this.#speed);
      seq.completeAt = seq.firstTokenAt + (seq.arrival.maxTokens - 1) * seq.intervalMs;
      this.running.add(seq);
      started.push(seq);
    }
    if (this.#head > 1024 && this.#head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.#head);
      this.#head = 0;
    }
    return started;
  }

  /** The sequence's first token: its prefill is done, so its blocks are cached. */
  firstToken(seq: Seq): void {
    this.cache?.insert(seq.blocks);
  }

  load(now: number): EngineLoad {
    let kv = 0;
    let generated = this.generated;
    for (const seq of this.running) {
      const emitted = Math.min(
        seq.arrival.maxTokens,
        Math.max(0, Math.floor((now - seq.firstTokenAt) / seq.intervalMs) + 1),
      );
      kv += seq.promptTokens + emitted;
      generated += emitted;
    }
    return {
      engine: 'vllm',
      running: this.running.size,
      waiting: this.queued,
      kvCacheUsage: Math.min(1, kv / this.#kvCapacity),
      promptTokens: null,
      generationTokens: generated,
      maxRunning: null,
      prefixCacheQueries: this.cache?.queries ?? null,
      prefixCacheHits: this.cache?.hits ?? null,
      prefixCacheHitRate: null,
    };
  }
}

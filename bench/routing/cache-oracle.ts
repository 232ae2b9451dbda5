import { BLOCK_TOKENS, PrefixCache } from '../../tools/sim/index.ts';
import type { Arrival } from './arrivals.ts';
import type { Dispatcher } from './load-run.ts';
import { simViewOf } from './prefix-workload.ts';
import type { Random } from './prng.ts';
import type { StreamTarget } from './stream-client.ts';

/** What the oracle knows of one engine: its slots and timing rules (the sim's own). */
export interface OracleEngine {
  readonly slots: number;
  prefillMs(promptTokens: number, cached: number): number;
  decodeMs(maxTokens: number): number;
}

/** An engine's prefix cache as the oracle reads it: leading blocks held, nothing touched. */
export interface CacheView {
  peek(blocks: readonly number[]): number;
}

/**
 * The reference of the shared-prefix scenario: at every arrival it reads each engine's TRUE prefix cache
 * and queue, and sends the request where its expected time to first token is lowest: the wait for a slot
 * behind the engine's queue plus the prefill of what the engine does not hold. Greedy per request, as a
 * router is; no real router knows this much. In virtual time the caches are the engines' own; live, the
 * oracle is the sims' only client and keeps a replica of each sim's cache, fed the same prompts in the
 * same order (at dispatch rather than at the first token: a few hundred ms early).
 */
export class CacheOracle implements Dispatcher {
  readonly outstanding: number[];
  /** Mean slot time of a request (ms), from the oracle's own predictions. */
  #serviceMs: number;
  readonly #replicas: PrefixCache[] | null;

  constructor(
    private readonly engines: readonly OracleEngine[],
    private readonly caches: readonly CacheView[] | null,
    private readonly targets: readonly StreamTarget[],
    private readonly random: Random,
    cacheTokens = 0,
  ) {
    this.outstanding = engines.map(() => 0);
    this.#serviceMs = engines[0] ? engines[0].prefillMs(0, 0) + engines[0].decodeMs(20) : 1;
    this.#replicas = caches === null ? engines.map(() => new PrefixCache(cacheTokens)) : null;
  }

  /** The engine for a request of `promptTokens` tokens whose blocks are `blocks` (virtual time). */
  choose(promptTokens: number, blocks: readonly number[], maxTokens: number): number {
    const caches = this.caches ?? this.#replicas!;
    let best: number[] = [];
    let bestCost = Number.POSITIVE_INFINITY;
    let predicted = 0;
    for (let i = 0; i < this.engines.length; i++) {
      const engine = this.engines[i]!;
      const cached = Math.max(0, Math.min(caches[i]!.peek(blocks) * BLOCK_TOKENS, promptTokens - 1));
      const prefill = engine.prefillMs(promptTokens, cached);
      const n = this.outstanding[i]!;
      const wait = (Math.max(0, n - engine.slots + 1) * this.#serviceMs) / engine.slots;
      const cost = wait + prefill;
      if (cost < bestCost - 1e-9) {
        best = [i];
        bestCost = cost;
        predicted = prefill + engine.decodeMs(maxTokens);
      } else if (Math.abs(cost - bestCost) <= 1e-9) best.push(i);
    }
    // Ties (idle engines holding the same) go to the least utilised, then at random.
    const use = (i: number) => this.outstanding[i]! / this.engines[i]!.slots;
    const least = Math.min(...best.map(use));
    const tied = best.filter((i) => use(i) === least);
    const chosen = tied.length === 1 ? tied[0]! : tied[Math.floor(this.random() * tied.length)]!;
    this.#serviceMs += (predicted - this.#serviceMs) / 64;
    this.outstanding[chosen]!++;
    return chosen;
  }

  /** Live: the same choice from the request the sim will parse, and the replica of its cache updated. */
  pick(arrival: Arrival): { target: StreamTarget; backend: number } {
    const view = simViewOf(arrival);
    const backend = this.choose(view.promptTokens, view.blocks, arrival.maxTokens);
    this.#replicas?.[backend]?.insert(view.blocks);
    return { target: this.targets[backend]!, backend };
  }

  /** A request another client sent straight to engine `backend`: part of its true queue. */
  admit(backend: number): void {
    this.outstanding[backend]!++;
  }

  done(backend: number | null): void {
    if (backend !== null) this.outstanding[backend]!--;
  }

  backendOf(): number {
    return -1;
  }
}

import type { Random } from '../core/random.ts';
import type { BackendProfile } from '../routing/backend-profile.ts';
import { chooseByAffinity, DEFAULT_CACHE_AWARE_POLICY } from '../routing/cache-aware.ts';
import type { CandidateView } from '../routing/candidate-view.ts';
import { HashRing } from '../routing/hash-ring.ts';
import { PrefixIndex } from '../routing/prefix-index.ts';
import type { AcquireRequest, PrefixIndexView } from './router-state.ts';

interface ModelTables {
  readonly index: PrefixIndex;
  ring: HashRing | null;
}

/**
 * The `cache-aware` strategy's memory, one set of tables per model, kept beside the rest of the model's
 * live state (MemoryRouterState: on Node the process's, on Workers the model's Durable Object): which
 * backend holds which prompt prefixes (PrefixIndex) and the ring sessions hash onto (HashRing). A
 * backend's entries are forgotten when its engine's cache is gone: removed from config, restarted,
 * ejected or unhealthy. A state that restarts (a Durable Object evicted) starts with empty tables, which
 * costs a round of cache misses, nothing more.
 */
export class AffinityState {
  readonly #models = new Map<string, ModelTables>();

  /**
   * The candidate a `cache-aware` request with an affinity goes to, or null: another strategy applies,
   * or nothing useful is cached within the load margin (least-waiting decides).
   */
  choose(
    request: AcquireRequest,
    pool: readonly CandidateView[],
    profiles: readonly BackendProfile[],
    random: Random,
  ): number | null {
    const { affinity, policy } = request;
    if (policy.strategy !== 'cache-aware' || affinity === undefined) return null;
    const cacheAware = policy.cacheAware ?? DEFAULT_CACHE_AWARE_POLICY;
    const tables = this.#tables(request.model, cacheAware.maxBlocks);
    let ring = tables.ring;
    if (affinity.session !== null && (ring === null || !ring.matches(request.candidates))) {
      // The ring spans every configured backend of the model, eligible or not, so a backend that is
      // busy or rate limited for a moment does not reshuffle everybody's sessions.
      ring = new HashRing(request.candidates);
      tables.ring = ring;
    }
    return chooseByAffinity(
      pool,
      profiles,
      random,
      affinity,
      { index: tables.index, ring },
      cacheAware.loadMargin,
    );
  }

  /** The request was sent to `id`: its engine now holds the prompt's blocks. */
  sent(request: AcquireRequest, id: string): void {
    const { affinity } = request;
    if (request.policy.strategy !== 'cache-aware' || affinity === undefined || affinity.blocks.length === 0)
      return;
    const cacheAware = request.policy.cacheAware ?? DEFAULT_CACHE_AWARE_POLICY;
    this.#tables(request.model, cacheAware.maxBlocks).index.record(affinity.blocks, id);
  }

  /** Backend `id`'s engine cache is gone (removed, restarted, ejected, unhealthy). */
  forget(model: string, id: string): void {
    this.#models.get(model)?.index.forget(id);
  }

  view(): PrefixIndexView[] {
    return [...this.#models].map(([model, { index }]) => ({
      model,
      entries: index.size,
      capacity: index.capacity,
      bytes: index.bytes(),
    }));
  }

  #tables(model: string, maxBlocks: number): ModelTables {
    let tables = this.#models.get(model);
    if (!tables) {
      tables = { index: new PrefixIndex(maxBlocks), ring: null };
      this.#models.set(model, tables);
    } else if (tables.index.capacity !== maxBlocks) {
      tables.index.resize(maxBlocks);
    }
    return tables;
  }
}

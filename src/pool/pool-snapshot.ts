import type { Backend } from './backend.ts';

/** What the limiter and strategies need of a backend; passed to the RouterState on every acquire. */
export interface CandidateSpec {
  readonly id: string;
  readonly weight: number;
  readonly rpmLimit: number | null;
  readonly maxConcurrency: number | null;
  /** Engine slot count from the backend entry (a capacity hint for least-waiting; caps nothing). */
  readonly maxNumSeqs: number | null;
}

/**
 * Immutable view of the pool, indexed by model for O(1) lookup per request. Replaced whole on every
 * change (copy-on-write): a request keeps the snapshot it started with.
 */
export class PoolSnapshot {
  readonly #byModel: Map<string, readonly CandidateSpec[]>;
  readonly #byId: Map<string, Backend>;
  /** Sorted public model names. */
  readonly models: readonly string[];
  readonly backends: readonly Backend[];

  constructor(backends: readonly Backend[]) {
    const grouped = new Map<string, Backend[]>();
    this.#byId = new Map();
    for (const backend of backends) {
      this.#byId.set(backend.id, backend);
      const list = grouped.get(backend.modelName);
      if (list) list.push(backend);
      else grouped.set(backend.modelName, [backend]);
    }
    this.#byModel = new Map();
    for (const [model, list] of grouped) {
      this.#byModel.set(
        model,
        list.map(({ id, weight, rpmLimit, maxConcurrency, maxNumSeqs }) => ({
          id,
          weight,
          rpmLimit,
          maxConcurrency,
          maxNumSeqs,
        })),
      );
    }
    this.models = [...grouped.keys()].sort();
    this.backends = backends;
  }

  candidatesOf(model: string): readonly CandidateSpec[] | undefined {
    return this.#byModel.get(model);
  }

  get(id: string): Backend | undefined {
    return this.#byId.get(id);
  }
}

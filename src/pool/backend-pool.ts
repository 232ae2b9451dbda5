import { type Backend, sameBackendConfig } from './backend.ts';
import { PoolSnapshot } from './pool-snapshot.ts';

export interface PoolChange {
  readonly added: readonly Backend[];
  readonly removed: readonly Backend[];
  /** Same id, different settings (weight, rpm_limit, key, alias...): live state is kept. */
  readonly changed: readonly Backend[];
  /** Entries dropped because another file already defines the same id. */
  readonly duplicates: readonly string[];
}

/**
 * The backend files currently applied and the snapshot built from them. Each file is replaced as a
 * unit, so one broken file never takes down another's backends.
 */
export class BackendPool {
  #files = new Map<string, readonly Backend[]>();
  #snapshot = new PoolSnapshot([]);
  /** First time each model was seen, for a stable `created` in /v1/models. */
  readonly #modelCreated = new Map<string, number>();
  readonly #nowSeconds: () => number;

  constructor(nowSeconds: () => number) {
    this.#nowSeconds = nowSeconds;
  }

  get snapshot(): PoolSnapshot {
    return this.#snapshot;
  }

  get files(): readonly string[] {
    return [...this.#files.keys()];
  }

  modelCreated(model: string): number {
    return this.#modelCreated.get(model) ?? 0;
  }

  /** Replace (or with `null`, remove) one file's backends and rebuild the snapshot. */
  replaceFile(file: string, backends: readonly Backend[] | null): PoolChange {
    const { change, files, snapshot } = this.#plan(file, backends);
    for (const model of snapshot.models) {
      if (!this.#modelCreated.has(model)) this.#modelCreated.set(model, this.#nowSeconds());
    }
    this.#files = files;
    this.#snapshot = snapshot;
    return change;
  }

  /** What `replaceFile` would change, without changing anything (so state can be prepared first). */
  preview(file: string, backends: readonly Backend[] | null): PoolChange {
    return this.#plan(file, backends).change;
  }

  #plan(
    file: string,
    backends: readonly Backend[] | null,
  ): { change: PoolChange; files: Map<string, readonly Backend[]>; snapshot: PoolSnapshot } {
    const before = this.#snapshot;
    const next = new Map(this.#files);
    if (backends === null || backends.length === 0) next.delete(file);
    else next.set(file, backends);

    const merged: Backend[] = [];
    const seen = new Set<string>();
    const duplicates: string[] = [];
    for (const [, list] of [...next.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      for (const backend of list) {
        if (seen.has(backend.id)) {
          duplicates.push(`${backend.id} (in ${backend.file})`);
          continue;
        }
        seen.add(backend.id);
        merged.push(backend);
      }
    }
    const snapshot = new PoolSnapshot(merged);
    const added: Backend[] = [];
    const changed: Backend[] = [];
    for (const backend of merged) {
      const old = before.get(backend.id);
      if (!old) added.push(backend);
      else if (!sameBackendConfig(old, backend)) changed.push(backend);
    }
    const removed = before.backends.filter((backend) => !snapshot.get(backend.id));
    return { change: { added, removed, changed, duplicates }, files: next, snapshot };
  }

  /** Drop backends from the live snapshot without touching files (prune_unhealthy_on_start). */
  prune(ids: ReadonlySet<string>): void {
    const next = new Map<string, readonly Backend[]>();
    for (const [file, list] of this.#files)
      next.set(
        file,
        list.filter((backend) => !ids.has(backend.id)),
      );
    this.#files = next;
    this.#snapshot = new PoolSnapshot(this.#snapshot.backends.filter((backend) => !ids.has(backend.id)));
  }
}

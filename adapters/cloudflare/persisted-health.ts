import type { MemoryRouterState, StatePolicy, StateView } from '../../src/index.ts';

/** Storage key of a state object's persisted backends. */
export const PERSISTED_KEY = 'backends';

/**
 * What a state object writes to its storage so a restart keeps what still decides routing: which
 * backends the isolates registered (they register once per isolate, not per object), whether each is
 * healthy, and an upstream 429's hold. Counters, windows and statistics stay in memory only.
 */
export interface PersistedBackend {
  readonly id: string;
  readonly model: string;
  readonly healthy: boolean;
  readonly holdUntil: number;
}

/** The persisted form of the registered backends (`models`: id -> model) in `view`. */
export function persistedBackends(view: StateView, models: ReadonlyMap<string, string>): PersistedBackend[] {
  return view.backends.flatMap((live) => {
    const model = models.get(live.id);
    return model === undefined
      ? []
      : [{ id: live.id, model, healthy: live.healthy, holdUntil: live.holdUntil }];
  });
}

/** A restored 429 hold is a rate-limited release, which no threshold judges. */
const RESTORE_POLICY: StatePolicy = {
  strategy: 'simple-shuffle',
  staleAfterMs: 0,
  ejectAfterFailures: Number.POSITIVE_INFINITY,
  probeFailureThreshold: Number.POSITIVE_INFINITY,
  recoveryThreshold: 1,
};

/**
 * Put saved backends back into a fresh state through its own methods: `register` with the saved health,
 * and a hold still in the future as the upstream 429 that set it (a release of an attempt the fresh
 * state never counted, so in-flight stays 0; the backend's 429 count shows that one). A backend restored
 * unhealthy comes back on its first passing probe, as a never-probed one does.
 */
export function restorePersisted(
  state: MemoryRouterState,
  saved: readonly PersistedBackend[],
  now: number,
): void {
  for (const backend of saved) {
    state.register(backend.model, [{ id: backend.id, healthy: backend.healthy }]);
    if (backend.holdUntil <= now) continue;
    state.release({
      model: backend.model,
      id: backend.id,
      now,
      outcome: 'rate-limited',
      holdUntil: backend.holdUntil,
      chargedAt: now,
      sawFirstByte: true,
      latencyMs: 0,
      ttftMs: null,
      policy: RESTORE_POLICY,
    });
  }
}

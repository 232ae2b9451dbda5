import type { Backend } from '../pool/backend.ts';
import type { PoolSnapshot } from '../pool/pool-snapshot.ts';
import { type BackendProfile, knownCapacity, resolveProfiles } from '../routing/backend-profile.ts';
import type { StateView } from '../state/router-state.ts';

/**
 * Each configured backend's size and speed as least-waiting sees them right now, its unknowns filled in
 * from the other backends of its model (resolveProfiles): for the dashboard and /metrics.
 */
export function backendProfiles(view: StateView, snapshot: PoolSnapshot): Map<string, BackendProfile> {
  const live = new Map(view.backends.map((b) => [b.id, b]));
  const byModel = new Map<string, Backend[]>();
  for (const backend of snapshot.backends) {
    const list = byModel.get(backend.modelName);
    if (list) list.push(backend);
    else byModel.set(backend.modelName, [backend]);
  }
  const profiles = new Map<string, BackendProfile>();
  for (const backends of byModel.values()) {
    const resolved = resolveProfiles(
      backends.map((backend) => {
        const state = live.get(backend.id);
        return {
          ...knownCapacity(backend.maxNumSeqs, state?.learnedCapacity ?? null),
          capacityFloor: state?.capacityFloor ?? 0,
          queuedAtFloor: state?.capacityQueuedAtFloor ?? false,
          firstTokenMs: state?.firstTokenMs ?? null,
          decodeMs: state?.decodeMs ?? null,
          engineTokenRate: state?.engineTokenRate ?? null,
        };
      }),
    );
    backends.forEach((backend, i) => {
      profiles.set(backend.id, resolved[i]!);
    });
  }
  return profiles;
}

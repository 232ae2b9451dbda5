import type { Backend } from '../pool/backend.ts';
import type { BackendPool, PoolChange } from '../pool/backend-pool.ts';
import type { RouterState } from '../state/router-state.ts';
import { registerBackends, retireBackends } from './backend-registration.ts';

/**
 * Replace one backend file's entries in the pool and the state. `healthyUntilProbed`: at startup
 * backends take traffic at once (the first probe round runs in the background); backends added by a
 * reload wait for a passing probe (`probe`).
 */
export async function applyBackendFile(
  pool: BackendPool,
  state: RouterState,
  probe: (backends: readonly Backend[]) => Promise<void>,
  file: string,
  backends: readonly Backend[] | null,
  healthyUntilProbed: boolean,
): Promise<PoolChange> {
  // Register before the swap: a request that sees the new snapshot must find its new backends known
  // (and, on reload, unhealthy until probed). A remote state answers register asynchronously, and the
  // state takes an id it has never seen for healthy.
  const planned = new Set(pool.preview(file, backends).added);
  await registerBackends(state, [...planned], healthyUntilProbed);
  const change = pool.replaceFile(file, backends);
  // Only when another change landed while registering.
  await registerBackends(
    state,
    change.added.filter((backend) => !planned.has(backend)),
    healthyUntilProbed,
  );
  await retireBackends(state, change.removed);
  if (!healthyUntilProbed && change.added.length > 0) await probe(change.added);
  return change;
}

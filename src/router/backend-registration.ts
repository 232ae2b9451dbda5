import type { Backend } from '../pool/backend.ts';
import type { RouterState } from '../state/router-state.ts';
import { groupByModel } from './group-by-model.ts';

/** Make backends known to the state (one call per model: a model is one shard of a remote state). */
export async function registerBackends(
  state: RouterState,
  backends: readonly Backend[],
  healthy: boolean,
): Promise<void> {
  for (const [model, list] of groupByModel(backends)) {
    await state.register(
      model,
      list.map((backend) => ({ id: backend.id, healthy })),
    );
  }
}

/** Tell the state these backends left the config: their records go once their requests finish. */
export async function retireBackends(state: RouterState, backends: readonly Backend[]): Promise<void> {
  for (const [model, list] of groupByModel(backends)) {
    await state.retire(
      model,
      list.map((backend) => backend.id),
    );
  }
}

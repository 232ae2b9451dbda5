import type { AcquireResult, StateChannel, StateOpResult, StateView } from '../../src/index.ts';
import type { RouterStateObject } from './router-state-object.ts';

/**
 * The core's RemoteRouterState carried over Durable Object RPC: one RouterStateObject per shard (model),
 * so a model's backends share one exact set of windows and counters while models spread over many
 * objects. Stubs are made per call: on Workers an I/O object (a stub too) belongs to the request that
 * created it and cannot be reused by the next one.
 */
export function durableStateChannel(namespace: DurableObjectNamespace<RouterStateObject>): StateChannel {
  // Ids are plain values and hashing a name costs, so they are cached; stubs are not (see above).
  const ids = new Map<string, DurableObjectId>();
  const stub = (shard: string) => {
    let id = ids.get(shard);
    if (!id) {
      id = namespace.idFromName(shard);
      ids.set(shard, id);
    }
    return namespace.get(id);
  };
  return {
    acquire: async (shard, request) => (await stub(shard).acquire(request)) as AcquireResult,
    view: async (shard, now) => (await stub(shard).view(now)) as StateView,
    apply: async (shard, ops, batch) => (await stub(shard).apply(ops, batch)) as StateOpResult[],
  };
}

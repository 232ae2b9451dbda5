import { durableStateChannel } from '../../adapters/cloudflare/durable-state-channel.ts';
import type { WorkerEnv } from '../../adapters/cloudflare/env.ts';
import { RemoteRouterState, type RouterState } from '../../src/index.ts';

export { RouterStateObject } from '../../adapters/cloudflare/router-state-object.ts';

/** Models seen by this harness: the shards `view()` merges (the router's pool plays this part in production). */
const models = new Set<string>();

type Call = { method: keyof RouterState; args: unknown[] };

/**
 * Test-only Worker: runs one DurableRouterState call per HTTP request so the RouterState contract suite in
 * Node can drive the Durable Object implementation under workerd, through the real stubs and RPC.
 */
export default {
  async fetch(request, env) {
    const { method, args } = (await request.json()) as Call;
    const first = args[0];
    if (typeof first === 'string') models.add(first);
    else if (
      typeof first === 'object' &&
      first !== null &&
      'model' in first &&
      typeof first.model === 'string'
    ) {
      models.add(first.model);
    }
    const state = new RemoteRouterState(durableStateChannel(env.ROUTER_STATE), { models: () => [...models] });
    const call = state[method] as (...values: unknown[]) => unknown;
    const result = await call.apply(state, args);
    return Response.json({ result: result ?? null });
  },
} satisfies ExportedHandler<WorkerEnv>;

import { Miniflare } from 'miniflare';
import type { RouterState } from '../../src/index.ts';
import {
  bundleWorker,
  COMPATIBILITY_DATE,
  COMPATIBILITY_FLAGS,
} from '../../tools/miniflare/bundle-worker.ts';
import { runRouterStateContract } from '../contract/router-state-contract.ts';

/** RouterState whose every call crosses into workerd: DurableRouterState -> stub RPC -> RouterStateObject. */
function remoteState(url: string): RouterState {
  const call = async (method: keyof RouterState, ...args: unknown[]) => {
    const response = await fetch(url, { method: 'POST', body: JSON.stringify({ method, args }) });
    if (!response.ok) throw new Error(`${method}: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { result: never }).result;
  };
  return {
    register: (...args) => call('register', ...args),
    retire: (...args) => call('retire', ...args),
    acquire: (...args) => call('acquire', ...args),
    firstByte: (...args) => call('firstByte', ...args),
    renew: (...args) => call('renew', ...args),
    release: (...args) => call('release', ...args),
    blame: (...args) => call('blame', ...args),
    applyProbe: (...args) => call('applyProbe', ...args),
    applyLoad: (...args) => call('applyLoad', ...args),
    recordRequest: (...args) => call('recordRequest', ...args),
    view: (...args) => call('view', ...args),
  };
}

runRouterStateContract('Durable Objects (workerd)', async () => {
  const mf = new Miniflare({
    modules: true,
    scriptPath: await bundleWorker('test/cloudflare/state-harness.worker.ts'),
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: COMPATIBILITY_FLAGS,
    durableObjects: { ROUTER_STATE: 'RouterStateObject' },
    // The contract drives windows with explicit timestamps instead of the objects' own clock.
    bindings: { ROUTER_STATE_CLOCK: 'caller' },
    cf: false,
  });
  const url = (await mf.ready).href;
  // Every test uses fresh model names, so the shards one test touches are new objects.
  return { fresh: async () => remoteState(url), close: () => mf.dispose() };
});

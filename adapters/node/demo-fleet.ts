import type { Backend, Logger } from '../../src/index.ts';
import { type SimServer, startSimServer } from '../../tools/sim/index.ts';

/** Source type whose backends the Node router simulates in-process, so the quick start serves at once. */
export const DEMO_SOURCE = 'demo';

/**
 * Start one simulated engine per distinct api_base of the demo backends (host and port from the URL),
 * serving every model configured at that address.
 */
export async function startDemoFleet(backends: readonly Backend[], log: Logger): Promise<SimServer[]> {
  const byBase = new Map<string, string[]>();
  for (const backend of backends) {
    if (backend.sourceType !== DEMO_SOURCE) continue;
    const models = byBase.get(backend.apiBase) ?? [];
    models.push(backend.upstreamModel);
    byBase.set(backend.apiBase, models);
  }
  const servers: SimServer[] = [];
  let index = 0;
  for (const [apiBase, models] of byBase) {
    const url = new URL(apiBase);
    const server = await startSimServer({
      host: url.hostname,
      port: Number(url.port),
      models,
      engine: index % 2 === 0 ? 'vllm' : 'sglang',
    });
    servers.push(server);
    log.warn('SIMULATED demo backend started (not a real GPU server)', {
      api_base: apiBase,
      models: models.join(','),
    });
    index++;
  }
  return servers;
}

/** Child process hosting one router (adapters/node/start-router.ts), so its event loop is its own. */
import { pathToFileURL } from 'node:url';
import type { RunningRouter } from '../../adapters/node/start-router.ts';
import { createSeededRandom } from '../../src/index.ts';
import { LoopLagMonitor } from './loop-lag.ts';
import type { RouterMethods } from './router-methods.ts';
import { serveRpc } from './rpc.ts';

let running: RunningRouter | null = null;
const lag = new LoopLagMonitor();

async function waitReady(router: RunningRouter, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const readiness = await router.router.readiness();
    if (readiness.ready) return;
    if (Date.now() > deadline) throw new Error(`router not ready: ${readiness.reason}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

serveRpc<RouterMethods>({
  async start({ configPath, seed, root }) {
    if (running) throw new Error('router already running');
    // `--router-root DIR` benchmarks another checkout (e.g. a patched copy) with the same harness.
    const entry =
      root === null
        ? new URL('../../adapters/node/start-router.ts', import.meta.url)
        : pathToFileURL(`${root}/adapters/node/start-router.ts`);
    const { startRouter } = (await import(
      entry.href
    )) as typeof import('../../adapters/node/start-router.ts');
    running = await startRouter({ configPath, port: 0, host: '127.0.0.1', random: createSeededRandom(seed) });
    await waitReady(running, 10_000);
    lag.take();
    return { url: running.url };
  },
  async lag() {
    return lag.take();
  },
  async view() {
    if (!running) return { backends: [], prefixIndexes: [] };
    const now = Date.now();
    const view = await running.router.view();
    return {
      backends: view.backends.map((b) => ({
        id: b.id,
        healthy: b.healthy,
        inflight: b.inflight,
        attempts: b.attempts,
        failures: b.failures,
        scrapedWaiting: b.load?.waiting ?? null,
        scrapedRunning: b.load?.running ?? null,
        loadAgeMs: b.load ? now - b.loadAt : null,
      })),
      prefixIndexes: [...(view.prefixIndexes ?? [])],
    };
  },
  async stop() {
    const router = running;
    running = null;
    await router?.close(2000);
    return {};
  },
});

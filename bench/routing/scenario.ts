import { fileURLToPath } from 'node:url';
import { writeRouterConfig } from '../lib/router-config.ts';
import type { Arrival, DirectTraffic } from './arrivals.ts';
import { CacheOracle } from './cache-oracle.ts';
import type { Dispatch } from './dispatchers.ts';
import type { FleetMethods } from './fleet-methods.ts';
import { type EngineModel, engineModel, type SimSpec, type Workload } from './fleet-spec.ts';
import { type Dispatcher, type RequestRecord, runSchedule } from './load-run.ts';
import { type LoopLag, LoopLagMonitor } from './loop-lag.ts';
import { isOracle, OracleDispatcher, RouterDispatcher, targetOf } from './oracle.ts';
import { stream } from './prng.ts';
import { QueueSampler, type QueueTrace } from './queue-sampler.ts';
import type { RouterBackendView, RouterIndexView, RouterMethods } from './router-methods.ts';
import { RpcChild } from './rpc.ts';
import { type RunSummary, summarise } from './run-summary.ts';
import { createStreamClient, type StreamTarget } from './stream-client.ts';
import { VirtualEngine } from './virtual-engine.ts';

export const ROUTER_CHILD = fileURLToPath(new URL('./router-child.ts', import.meta.url));
export const FLEET_CHILD = fileURLToPath(new URL('./fleet-child.ts', import.meta.url));

export interface ScenarioSettings {
  readonly seed: number;
  readonly collectInterval: number;
  readonly drainTimeoutMs: number;
  /** Temp directory for the router's config files. */
  readonly configDir: string;
  /** Load the router from this repository instead of this one (A/B of a patched copy); null: this one. */
  readonly routerRoot: string | null;
}

export interface ScenarioResult {
  readonly summary: RunSummary;
  readonly queues: QueueTrace[];
  readonly lag: { readonly loadgen: LoopLag; readonly sims: LoopLag; readonly router: LoopLag | null };
  /** Oracle only: largest gap seen between its counter and the sims' running + waiting (4 Hz samples). */
  readonly oracleCounterMaxGap: number | null;
  /** What the router saw at the end of the run (the metric-less check reads `scrapedWaiting`). */
  readonly routerView: RouterBackendView[] | null;
  readonly apiBases: string[];
  /** The routed (or oracle-dispatched) requests, by arrival index; direct traffic is not among them. */
  readonly records: RequestRecord[];
  /** Share of the 4 Hz samples with one sim queueing while another was idle. */
  readonly hotspot: number;
  /** The sims' prefix caches over the run: prompt tokens looked up and found (0 without caches). */
  readonly cache: { readonly queries: number; readonly hits: number };
  /** The router's cache-aware prefix indexes at the end of the run. */
  readonly prefixIndexes: RouterIndexView[];
}

const live = new Set<RpcChild<FleetMethods> | RpcChild<RouterMethods>>();

/** Last resort on exit: SIGKILL the children this benchmark started (by their own handles, nothing else). */
export function killChildrenSync(): void {
  for (const child of live) child.killSync();
}

export async function startFleetChild(): Promise<RpcChild<FleetMethods>> {
  const child = new RpcChild<FleetMethods>('sims', FLEET_CHILD);
  live.add(child);
  await child.ready();
  return child;
}

export async function closeChild(child: RpcChild<FleetMethods> | RpcChild<RouterMethods>): Promise<void> {
  await child.close();
  live.delete(child);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One run: fresh sims, a fresh router process (or the oracle), the schedule, the figures. */
export async function runScenario(
  name: string,
  dispatch: Dispatch,
  fleet: RpcChild<FleetMethods>,
  specs: readonly SimSpec[],
  workload: Workload,
  schedule: readonly Arrival[],
  settings: ScenarioSettings,
  direct: DirectTraffic | null = null,
): Promise<ScenarioResult> {
  const { urls } = await fleet.call('start', { specs: [...specs] });
  const targets = urls.map(targetOf);
  const models: EngineModel[] = specs.map((spec) => engineModel(spec, workload));
  let router: RpcChild<RouterMethods> | null = null;
  let dispatcher: Dispatcher;
  let oracle: OracleDispatcher | CacheOracle | null = null;
  const cacheTokens = specs[0]?.options.prefixCacheTokens ?? 0;
  if (isOracle(dispatch) && cacheTokens > 0) {
    // A fleet that caches prefixes: the oracle that knows (a replica of) every sim's cache.
    const timing = specs.map((spec) => new VirtualEngine(spec));
    oracle = new CacheOracle(timing, null, targets, stream(settings.seed, 7), cacheTokens);
    dispatcher = oracle;
  } else if (isOracle(dispatch)) {
    oracle = new OracleDispatcher(dispatch, models, targets, stream(settings.seed, 7));
    dispatcher = oracle;
  } else {
    const configPath = writeRouterConfig(
      settings.configDir,
      urls.map((apiBase, i) => ({ apiBase, weight: specs[i]?.weight ?? 1 })),
      { strategy: dispatch, collectInterval: settings.collectInterval },
    );
    router = new RpcChild<RouterMethods>('router', ROUTER_CHILD);
    live.add(router);
    await router.ready();
    const { url } = await router.call('start', {
      configPath,
      seed: settings.seed,
      root: settings.routerRoot,
    });
    // Two scrape periods: every backend has fresh (idle) metrics before the first arrival.
    await sleep(Math.max(1000, settings.collectInterval * 2000));
    dispatcher = new RouterDispatcher(targetOf(url), urls);
  }

  const sampler = new QueueSampler(specs.length);
  let gap = 0;
  const sample = (): void => {
    const before = oracle ? [...oracle.outstanding] : null;
    void fleet.call('stats', {}).then(({ backends }) => {
      sampler.add(backends);
      if (!oracle || !before) return;
      backends.forEach((b, i) => {
        const truth = b.running + b.waiting;
        const lo = Math.min(before[i] ?? 0, oracle.outstanding[i] ?? 0);
        const hi = Math.max(before[i] ?? 0, oracle.outstanding[i] ?? 0);
        gap = Math.max(gap, truth < lo ? lo - truth : truth > hi ? truth - hi : 0);
      });
    });
  };

  const loadgenLag = new LoopLagMonitor();
  await fleet.call('lag', {});
  if (router) await router.call('lag', {});
  const client = createStreamClient();
  const combined = direct ? withDirect(schedule, direct) : schedule;
  if (direct) dispatcher = new BypassDispatcher(dispatcher, schedule.length, targets, direct.backend, oracle);
  const result = await runSchedule(combined, dispatcher, {
    client,
    drainTimeoutMs: settings.drainTimeoutMs,
    onSample: sample,
    sampleEveryMs: 250,
  });
  const lag = {
    loadgen: loadgenLag.take(),
    sims: await fleet.call('lag', {}),
    router: router ? await router.call('lag', {}) : null,
  };
  loadgenLag.stop();
  const seen = router ? await router.call('view', {}) : null;
  const routerView = seen ? seen.backends : null;
  const { backends: final } = await fleet.call('stats', {});
  await client.destroy();
  if (router) {
    await router.call('stop', {});
    await closeChild(router);
  }
  return {
    summary: summarise(name, result.records.slice(0, schedule.length), specs.length, result.drainMs),
    queues: sampler.traces(),
    lag,
    oracleCounterMaxGap: oracle ? gap : null,
    routerView,
    apiBases: urls,
    records: result.records.slice(0, schedule.length),
    hotspot: sampler.hotspotShare(),
    cache: {
      queries: final.reduce((sum, b) => sum + b.prefixCacheQueries, 0),
      hits: final.reduce((sum, b) => sum + b.prefixCacheHits, 0),
    },
    prefixIndexes: seen?.prefixIndexes ?? [],
  };
}

/** The routed arrivals, then the direct ones numbered after them, in time order. */
function withDirect(schedule: readonly Arrival[], direct: DirectTraffic): Arrival[] {
  const offset = schedule.length;
  return [...schedule, ...direct.schedule.map((a, i) => ({ ...a, index: offset + i }))].sort(
    (a, b) => a.atMs - b.atMs,
  );
}

/**
 * Arrivals numbered from `firstDirect` on go straight to one sim; the rest to the wrapped dispatcher. An
 * oracle counts the direct ones as part of that engine's true queue (it knows everything).
 */
class BypassDispatcher implements Dispatcher {
  constructor(
    private readonly inner: Dispatcher,
    private readonly firstDirect: number,
    private readonly targets: readonly StreamTarget[],
    private readonly backend: number,
    private readonly oracle: { admit(backend: number): void } | null,
  ) {}

  pick(arrival: Arrival): { target: StreamTarget; backend: number | null } {
    if (arrival.index < this.firstDirect) return this.inner.pick(arrival);
    this.oracle?.admit(this.backend);
    return { target: this.targets[this.backend]!, backend: this.backend };
  }

  done(backend: number | null): void {
    // Through the router nothing is counted here; the oracle decrements what it admitted either way.
    this.inner.done(backend);
  }

  backendOf(header: string | null): number {
    return this.inner.backendOf(header);
  }
}

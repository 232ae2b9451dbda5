/**
 * Virtual-time replay: the same arrivals through the router's REAL state and strategy code
 * (MemoryRouterState.acquire / release / applyLoad) against a discrete-event model of the sims (FIFO queue,
 * max_num_seqs slots, the sim's TTFT and decode timing). No sockets, no timers, no CPU contention: what is
 * left is the quality of the routing decision alone, reproducible to the request.
 *
 * Modelled: scrapes every collect_interval (+ the round's own duration) that sample the engines' true
 * running/waiting/KV and reach the state `scrapeDelayMs` later; in-flight counted from acquire to the last
 * token; a backend without /metrics gets `applyLoad(null)` once, as the 404 back-off does.
 * Not modelled: network and event-loop delays, the router's own overhead.
 */
import type { MemoryRouterState, StatePolicy } from '../../src/index.ts';
import type { Arrival, DirectTraffic } from './arrivals.ts';
import { CacheOracle } from './cache-oracle.ts';
import type { Dispatch, StrategyName } from './dispatchers.ts';
import { EventHeap } from './event-heap.ts';
import { engineModel, MODEL, type SimSpec, type Workload } from './fleet-spec.ts';
import type { RequestRecord } from './load-run.ts';
import { isOracle, OracleDispatcher } from './oracle.ts';
import { sharedPrefixBody, simViewOf } from './prefix-workload.ts';
import { stream } from './prng.ts';
import type { RouterCore } from './router-core.ts';
import { chatBody } from './stream-client.ts';
import { type Seq, VirtualEngine } from './virtual-engine.ts';

export { loadRouterCore, type RouterCore } from './router-core.ts';

const encoder = new TextEncoder();

type Event =
  | { readonly kind: 'arrival'; readonly arrival: Arrival }
  | { readonly kind: 'direct'; readonly arrival: Arrival; readonly backend: number }
  | { readonly kind: 'first'; readonly seq: Seq }
  | { readonly kind: 'complete'; readonly seq: Seq }
  | { readonly kind: 'sample' }
  | { readonly kind: 'apply'; readonly loads: ReturnType<VirtualEngine['load']>[] };

export interface VirtualOptions {
  readonly specs: readonly SimSpec[];
  readonly workload: Workload;
  readonly schedule: readonly Arrival[];
  readonly dispatch: Dispatch;
  readonly seed: number;
  readonly collectIntervalS: number;
  /** From the scrape's sample to applyLoad (the /metrics round trip). */
  readonly scrapeDelayMs: number;
  readonly core: RouterCore;
  /** A second client that sends these straight to engine `backend`, bypassing the router. */
  readonly direct?: DirectTraffic | null;
  /** routing.cache_aware values other than the checkout's defaults (a sweep, a small index). */
  readonly cacheAware?: { readonly loadMargin?: number; readonly maxBlocks?: number };
  /** Filled in as the replay runs (the shared-prefix figures). */
  readonly stats?: ReplayStats;
}

/** What a replay measures besides the requests' times. */
export interface ReplayStats {
  /** The largest prefix index seen at a scrape (entries) and its cap and memory then. */
  indexEntries: number;
  indexCapacity: number;
  indexBytes: number;
  /** Routed arrivals, and those that found an engine queueing while another was idle (a hotspot). */
  arrivals: number;
  hotspotArrivals: number;
  /** Prompt tokens the engines looked up in their prefix caches, and found there. */
  cacheQueries: number;
  cacheHits: number;
}

export function emptyReplayStats(): ReplayStats {
  return {
    indexEntries: 0,
    indexCapacity: 0,
    indexBytes: 0,
    arrivals: 0,
    hotspotArrivals: 0,
    cacheQueries: 0,
    cacheHits: 0,
  };
}

/**
 * Replays `schedule`; records carry TTFT / e2e from the arrival, as the live client measures them. Direct
 * traffic loads its engine (the engine's metrics and the oracles see it) but is not in the records.
 */
export function replay(options: VirtualOptions): RequestRecord[] {
  const { specs, schedule, dispatch, core, stats } = options;
  const engines = specs.map((spec) => new VirtualEngine(spec));
  const caching = engines.some((engine) => engine.cache !== null);
  const ids = specs.map((spec, i) => `${MODEL}@virtual-${i}-${spec.name}`);
  const candidates = ids.map((id, i) => ({
    id,
    weight: specs[i]!.weight ?? 1,
    rpmLimit: null,
    maxConcurrency: null,
    maxNumSeqs: null,
  }));
  const state: MemoryRouterState = new core.src.MemoryRouterState(core.src.createSeededRandom(options.seed));
  state.register(
    MODEL,
    ids.map((id) => ({ id, healthy: true })),
  );
  const models = specs.map((spec) => engineModel(spec, options.workload));
  const random = stream(options.seed, 7);
  const cacheOracle =
    dispatch === 'oracle' && caching
      ? new CacheOracle(
          engines,
          engines.map((engine) => engine.cache!),
          [],
          random,
        )
      : null;
  const oracle =
    isOracle(dispatch) && !cacheOracle ? new OracleDispatcher(dispatch, models, [], random) : null;
  const intervalMs = options.collectIntervalS * 1000;
  const strategy = dispatch as StrategyName;
  const base = isOracle(dispatch) ? null : core.policy(strategy, options.collectIntervalS);
  const policy: StatePolicy | null =
    base === null
      ? null
      : options.cacheAware && base.cacheAware
        ? { ...base, cacheAware: { ...base.cacheAware, ...options.cacheAware } }
        : base;
  const records: RequestRecord[] = new Array(schedule.length);
  const events = new EventHeap<Event>();
  for (const arrival of schedule) events.push(arrival.atMs, { kind: 'arrival', arrival });
  const { direct } = options;
  if (direct) {
    for (const arrival of direct.schedule)
      events.push(arrival.atMs, { kind: 'direct', arrival, backend: direct.backend });
  }
  const lastArrival = Math.max(
    schedule.length > 0 ? schedule[schedule.length - 1]!.atMs : 0,
    direct?.schedule.at(-1)?.atMs ?? 0,
  );

  const applyLoads = (loads: readonly ReturnType<VirtualEngine['load']>[], now: number): void => {
    specs.forEach((spec, i) => {
      // A backend without /metrics: one 404, load cleared, then the 10-minute back-off.
      if (!spec.metrics) state.applyLoad(MODEL, ids[i]!, null, now);
      else state.applyLoad(MODEL, ids[i]!, loads[i]!, now);
    });
    if (stats) {
      const index = state.view(now).prefixIndexes?.find((x) => x.model === MODEL);
      if (index && index.entries >= stats.indexEntries) {
        stats.indexEntries = index.entries;
        stats.indexCapacity = index.capacity;
        stats.indexBytes = index.bytes;
      }
    }
  };
  // The live run waits for an idle scrape before the first arrival; the next sample lands at a random phase.
  applyLoads(
    engines.map((e) => e.load(0)),
    -1,
  );
  if (!isOracle(dispatch)) events.push(stream(options.seed, 9)() * intervalMs, { kind: 'sample' });

  const start = (seqs: readonly Seq[]): void => {
    for (const seq of seqs) {
      // The router hears of the first token when its first byte arrives (dispatch's firstByte); the
      // engine caches the prompt's blocks then.
      if (caching || (!seq.direct && policy !== null)) events.push(seq.firstTokenAt, { kind: 'first', seq });
      events.push(seq.completeAt, { kind: 'complete', seq });
    }
  };
  /** The sim's view of a request: its prompt tokens, and its blocks when the engines cache prefixes. */
  const simView = (arrival: Arrival, body: string | null) =>
    arrival.prefix && caching
      ? simViewOf(arrival, body ?? undefined)
      : { promptTokens: Math.max(1, Math.ceil(arrival.promptChars / 4)), blocks: [] as number[] };

  let open = 0;
  for (let event = events.pop(); event; event = events.pop()) {
    const now = event.at;
    const e = event.value;
    switch (e.kind) {
      case 'arrival': {
        // The body the live client sends: cache-aware reads every request's (none shares a prefix outside
        // the shared-prefix scenario, so there it pays the hashing and finds nothing).
        const body = e.arrival.prefix
          ? sharedPrefixBody(MODEL, e.arrival)
          : strategy === 'cache-aware'
            ? chatBody(MODEL, e.arrival.promptChars, e.arrival.maxTokens, e.arrival.index)
            : null;
        const view = simView(e.arrival, body);
        if (stats) {
          stats.arrivals++;
          const queueing = engines.some((engine) => engine.queued > 0);
          const idle = engines.some((engine) => engine.running.size + engine.queued === 0);
          if (queueing && idle) stats.hotspotArrivals++;
        }
        let backend: number;
        if (cacheOracle) backend = cacheOracle.choose(view.promptTokens, view.blocks, e.arrival.maxTokens);
        else if (oracle) backend = oracle.pick().backend;
        else {
          const affinity =
            strategy === 'cache-aware' && body !== null ? core.affinity([encoder.encode(body)]) : null;
          // Both request shapes: the policy object, and the fields older checkouts (--router-root) read.
          const request = {
            model: MODEL,
            candidates,
            tried: [],
            now,
            policy: policy!,
            strategy,
            staleAfterMs: policy!.staleAfterMs,
            ...(affinity ? { affinity } : {}),
          };
          const acquired = state.acquire(request);
          if (acquired.kind !== 'acquired') throw new Error(`virtual: acquire returned ${acquired.kind}`);
          backend = ids.indexOf(acquired.id);
        }
        const seq: Seq = {
          arrival: e.arrival,
          backend,
          direct: false,
          promptTokens: view.promptTokens,
          blocks: view.blocks,
          firstTokenAt: 0,
          intervalMs: 0,
          completeAt: 0,
        };
        open++;
        engines[backend]!.waiting.push(seq);
        start(engines[backend]!.admit(now));
        break;
      }
      case 'direct': {
        const backend = e.backend;
        oracle?.admit(backend);
        cacheOracle?.admit(backend);
        open++;
        engines[backend]!.waiting.push({
          arrival: e.arrival,
          backend,
          direct: true,
          promptTokens: Math.max(1, Math.ceil(e.arrival.promptChars / 4)),
          blocks: [],
          firstTokenAt: 0,
          intervalMs: 0,
          completeAt: 0,
        });
        start(engines[backend]!.admit(now));
        break;
      }
      case 'first': {
        const { seq } = e;
        engines[seq.backend]!.firstToken(seq);
        if (seq.direct || policy === null) break;
        state.firstByte(MODEL, ids[seq.backend]!, {
          chargedAt: seq.arrival.atMs,
          ttftMs: seq.firstTokenAt - seq.arrival.atMs,
        });
        break;
      }
      case 'complete': {
        const { seq } = e;
        const engine = engines[seq.backend]!;
        engine.running.delete(seq);
        engine.generated += seq.arrival.maxTokens;
        start(engine.admit(now));
        open--;
        if (seq.direct) {
          oracle?.done(seq.backend);
          cacheOracle?.done(seq.backend);
          break;
        }
        const ttftMs = seq.firstTokenAt - seq.arrival.atMs;
        const e2eMs = seq.completeAt - seq.arrival.atMs;
        if (oracle) oracle.done(seq.backend);
        else if (cacheOracle) cacheOracle.done(seq.backend);
        else {
          const report = {
            model: MODEL,
            id: ids[seq.backend]!,
            now,
            outcome: 'success' as const,
            chargedAt: seq.arrival.atMs,
            sawFirstByte: true,
            latencyMs: e2eMs,
            ttftMs,
            policy: policy!,
            failureThreshold: 3,
          };
          state.release(report);
        }
        records[seq.arrival.index] = {
          index: seq.arrival.index,
          backend: seq.backend,
          ttftMs,
          e2eMs,
          sendLagMs: 0,
          error: null,
        };
        break;
      }
      case 'sample':
        events.push(now + options.scrapeDelayMs, {
          kind: 'apply',
          loads: engines.map((engine) => engine.load(now)),
        });
        break;
      case 'apply':
        applyLoads(e.loads, now);
        // repeatEvery: the next round starts one interval after this one ended.
        if (now <= lastArrival || open > 0) events.push(now + intervalMs, { kind: 'sample' });
        break;
    }
  }
  if (stats) {
    for (const engine of engines) {
      stats.cacheQueries += engine.cache?.queries ?? 0;
      stats.cacheHits += engine.cache?.hits ?? 0;
    }
  }
  return records;
}

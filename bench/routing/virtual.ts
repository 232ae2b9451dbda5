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
import { pathToFileURL } from 'node:url';
import type { EngineLoad, MemoryRouterState } from '../../src/index.ts';
import { routerConfigTexts } from '../lib/router-config.ts';
import type { Arrival, DirectTraffic } from './arrivals.ts';
import type { Dispatch, StrategyName } from './dispatchers.ts';
import { EventHeap } from './event-heap.ts';
import { engineModel, MODEL, type SimSpec, type Workload } from './fleet-spec.ts';
import type { RequestRecord } from './load-run.ts';
import { isOracle, OracleDispatcher } from './oracle.ts';
import { stream } from './prng.ts';

type SrcModule = typeof import('../../src/index.ts');
type SettingsModule = typeof import('../../src/router/dispatch-settings-from.ts');

export interface RouterCore {
  readonly src: SrcModule;
  /** The checkout's own staleness rule for scraped metrics, from its dispatchSettingsFrom. */
  staleAfterMs(collectIntervalS: number): number;
}

/** The router core to replay: this repository's src/ or another checkout's (`--router-root`). */
export async function loadRouterCore(root: string | null): Promise<RouterCore> {
  const file = (path: string) =>
    root === null ? new URL(`../../${path}`, import.meta.url) : pathToFileURL(`${root}/${path}`);
  const src = (await import(file('src/index.ts').href)) as SrcModule;
  let settings: SettingsModule | null = null;
  try {
    settings = (await import(file('src/router/dispatch-settings-from.ts').href)) as SettingsModule;
  } catch {
    // moved or renamed: fall back to three periods below
  }
  return {
    src,
    staleAfterMs(collectIntervalS) {
      if (settings === null) return collectIntervalS * 3000;
      // The benchmark router's own config, as the live runs write it.
      const { main } = routerConfigTexts([], {
        strategy: 'least-waiting',
        collectInterval: collectIntervalS,
      });
      const built: { staleAfterMs?: number; statePolicy?: { staleAfterMs: number } } =
        settings.dispatchSettingsFrom(src.parseMainConfig(main, 'virtual.yaml'));
      return built.statePolicy?.staleAfterMs ?? built.staleAfterMs ?? collectIntervalS * 3000;
    },
  };
}

/** Thresholds of the replayed state (no failures happen in a replay; strategy and staleness per run). */
const POLICY = {
  strategy: 'least-waiting' as StrategyName,
  staleAfterMs: 3000,
  ejectAfterFailures: 3,
  probeFailureThreshold: 3,
  recoveryThreshold: 1,
};

interface Seq {
  readonly arrival: Arrival;
  readonly backend: number;
  /** Sent straight to the engine by another client (not through the router). */
  readonly direct: boolean;
  readonly promptTokens: number;
  firstTokenAt: number;
  intervalMs: number;
  completeAt: number;
}

class VirtualEngine {
  readonly running = new Set<Seq>();
  readonly waiting: Seq[] = [];
  #head = 0;
  readonly #ttft: number;
  readonly #prefill: number;
  readonly #tps: number;
  readonly #speed: number;
  readonly #slots: number;
  readonly #kvCapacity: number;

  constructor(spec: SimSpec) {
    const o = spec.options;
    this.#ttft = o.ttftMs ?? 80;
    this.#prefill = o.prefillMsPerToken ?? 0.02;
    this.#tps = o.tokensPerSecond ?? 40;
    this.#speed = o.speed ?? 1;
    this.#slots = o.maxNumSeqs ?? 256;
    this.#kvCapacity = o.kvCapacityTokens ?? 200_000;
  }

  /** Tokens emitted by finished sequences (the engine's generation counter, with the running ones'). */
  generated = 0;

  get queued(): number {
    return this.waiting.length - this.#head;
  }

  /** Admit FIFO into free slots; returns the sequences that started (their completion must be scheduled). */
  admit(now: number): Seq[] {
    const started: Seq[] = [];
    while (this.running.size < this.#slots && this.#head < this.waiting.length) {
      const seq = this.waiting[this.#head++]!;
      seq.firstTokenAt = now + (this.#ttft + seq.promptTokens * this.#prefill) / this.#speed;
      seq.intervalMs = 1000 / (this.#tps * this.#speed);
      seq.completeAt = seq.firstTokenAt + (seq.arrival.maxTokens - 1) * seq.intervalMs;
      this.running.add(seq);
      started.push(seq);
    }
    if (this.#head > 1024 && this.#head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.#head);
      this.#head = 0;
    }
    return started;
  }

  load(now: number): EngineLoad {
    let kv = 0;
    let generated = this.generated;
    for (const seq of this.running) {
      const emitted = Math.min(
        seq.arrival.maxTokens,
        Math.max(0, Math.floor((now - seq.firstTokenAt) / seq.intervalMs) + 1),
      );
      kv += seq.promptTokens + emitted;
      generated += emitted;
    }
    return {
      engine: 'vllm',
      running: this.running.size,
      waiting: this.queued,
      kvCacheUsage: Math.min(1, kv / this.#kvCapacity),
      promptTokens: null,
      generationTokens: generated,
      maxRunning: null,
      prefixCacheQueries: null,
      prefixCacheHits: null,
      prefixCacheHitRate: null,
    };
  }
}

type Event =
  | { readonly kind: 'arrival'; readonly arrival: Arrival }
  | { readonly kind: 'direct'; readonly arrival: Arrival; readonly backend: number }
  | { readonly kind: 'first'; readonly seq: Seq }
  | { readonly kind: 'complete'; readonly seq: Seq }
  | { readonly kind: 'sample' }
  | { readonly kind: 'apply'; readonly loads: EngineLoad[] };

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
}

/**
 * Replays `schedule`; records carry TTFT / e2e from the arrival, as the live client measures them. Direct
 * traffic loads its engine (the engine's metrics and the oracles see it) but is not in the records.
 */
export function replay(options: VirtualOptions): RequestRecord[] {
  const { specs, schedule, dispatch, core } = options;
  const engines = specs.map((spec) => new VirtualEngine(spec));
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
  const oracle = isOracle(dispatch)
    ? new OracleDispatcher(dispatch, models, [], stream(options.seed, 7))
    : null;
  const intervalMs = options.collectIntervalS * 1000;
  const staleAfterMs = core.staleAfterMs(options.collectIntervalS);
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

  const applyLoads = (loads: readonly EngineLoad[], now: number): void => {
    specs.forEach((spec, i) => {
      // A backend without /metrics: one 404, load cleared, then the 10-minute back-off.
      if (!spec.metrics) state.applyLoad(MODEL, ids[i]!, null, now);
      else state.applyLoad(MODEL, ids[i]!, loads[i]!, now);
    });
  };
  // The live run waits for an idle scrape before the first arrival; the next sample lands at a random phase.
  applyLoads(
    engines.map((e) => e.load(0)),
    -1,
  );
  if (!isOracle(dispatch)) events.push(stream(options.seed, 9)() * intervalMs, { kind: 'sample' });

  const start = (seqs: readonly Seq[]): void => {
    for (const seq of seqs) {
      // The router hears of the first token when its first byte arrives (dispatch's firstByte).
      if (!seq.direct && !oracle) events.push(seq.firstTokenAt, { kind: 'first', seq });
      events.push(seq.completeAt, { kind: 'complete', seq });
    }
  };

  let open = 0;
  for (let event = events.pop(); event; event = events.pop()) {
    const now = event.at;
    const e = event.value;
    switch (e.kind) {
      case 'arrival': {
        let backend: number;
        if (oracle) backend = oracle.pick().backend;
        else {
          // Both request shapes: the policy object, and the fields older checkouts (--router-root) read.
          const request = {
            model: MODEL,
            candidates,
            tried: [],
            now,
            policy: { ...POLICY, strategy: dispatch as StrategyName, staleAfterMs },
            strategy: dispatch as StrategyName,
            staleAfterMs,
          };
          const acquired = state.acquire(request);
          if (acquired.kind !== 'acquired') throw new Error(`virtual: acquire returned ${acquired.kind}`);
          backend = ids.indexOf(acquired.id);
        }
        const seq: Seq = {
          arrival: e.arrival,
          backend,
          direct: false,
          promptTokens: Math.max(1, Math.ceil(e.arrival.promptChars / 4)),
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
        open++;
        engines[backend]!.waiting.push({
          arrival: e.arrival,
          backend,
          direct: true,
          promptTokens: Math.max(1, Math.ceil(e.arrival.promptChars / 4)),
          firstTokenAt: 0,
          intervalMs: 0,
          completeAt: 0,
        });
        start(engines[backend]!.admit(now));
        break;
      }
      case 'first': {
        const { seq } = e;
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
          break;
        }
        const ttftMs = seq.firstTokenAt - seq.arrival.atMs;
        const e2eMs = seq.completeAt - seq.arrival.atMs;
        if (oracle) oracle.done(seq.backend);
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
            policy: POLICY,
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
  return records;
}

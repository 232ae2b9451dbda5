import { performance } from 'node:perf_hooks';
import { scanModel } from '../../src/core/scan-model.ts';
import { createSeededRandom, MemoryRouterState, requestAffinity, type StatePolicy } from '../../src/index.ts';
import { formatTable } from '../lib/table.ts';
import { out } from './report.ts';

/** Per-request CPU of what cache-aware adds, side by side with the byte scan every request already pays. */
export interface AffinityCpu {
  readonly bodyBytes: number;
  /** µs per request. */
  readonly rows: { readonly what: string; readonly buffer: number; readonly plain: number }[];
  /** µs per acquire + release in the state (4 backends), by strategy. */
  readonly state: { readonly strategy: string; readonly us: number }[];
}

const KB_100 = 100 * 1024;

/** µs per call of `run`, the best of a few rounds (the machine is shared: the least disturbed round). */
function time(run: () => unknown, iterations: number): number {
  for (let i = 0; i < Math.min(200, iterations); i++) run();
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const began = performance.now();
    for (let i = 0; i < iterations; i++) run();
    best = Math.min(best, ((performance.now() - began) * 1000) / iterations);
  }
  return best;
}

/**
 * A 100 KB chat body (a long system prompt and a question), in 16 KB chunks as a socket delivers them:
 * as Node Buffers (whose indexOf is memchr) and as plain Uint8Arrays (what a Worker's stream gives).
 * Timed: the model scan; cache-aware's prompt scan plus hashing at the defaults (the first 32 KB: 128
 * blocks of 256 bytes); and hashing all of it (400 blocks).
 */
export function measureAffinityCpu(): AffinityCpu {
  const system = 'You annotate records. Follow rule after rule carefully. '.repeat(Math.ceil(KB_100 / 56));
  const text = JSON.stringify({
    model: 'bench-model',
    messages: [
      { role: 'system', content: system.slice(0, KB_100 - 200) },
      { role: 'user', content: 'Record 17: what is its category?' },
    ],
    stream: true,
  });
  const whole = Buffer.from(text);
  const chunksOf = (wrap: (bytes: Uint8Array) => Uint8Array) => {
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < whole.length; i += 16 * 1024) chunks.push(wrap(whole.subarray(i, i + 16 * 1024)));
    return chunks;
  };
  const buffer = chunksOf((bytes) => Buffer.from(bytes));
  const plain = chunksOf((bytes) => new Uint8Array(bytes));
  const request = (body: Uint8Array[]) => ({
    path: 'chat/completions',
    headers: {},
    body,
    signal: new AbortController().signal,
  });
  const settings = { blockBytes: 256, maxPrefixBlocks: 128, sessionHeader: null, sessionFromUser: false };
  const all = { ...settings, maxPrefixBlocks: 4096 };
  const n = 2000;
  const row = (what: string, run: (body: Uint8Array[]) => unknown) => ({
    what,
    buffer: time(() => run(buffer), n),
    plain: time(() => run(plain), n),
  });
  return {
    bodyBytes: whole.length,
    rows: [
      row('model byte scan (every request)', (body) => scanModel(body)),
      row('cache-aware: prompt scan + hash first 32 KB (defaults)', (body) =>
        requestAffinity(request(body), settings),
      ),
      row('cache-aware: prompt scan + hash all 100 KB', (body) => requestAffinity(request(body), all)),
    ],
    state: [
      { strategy: 'least-waiting', us: stateCost('least-waiting', false) },
      { strategy: 'cache-aware (128-block chains)', us: stateCost('cache-aware', true) },
    ],
  };
}

/**
 * µs per acquire and release of one request in MemoryRouterState with four backends: least-waiting, or
 * cache-aware with a 128-block chain from one of 48 groups (index lookups, recording, the ring-free path).
 */
function stateCost(strategy: 'least-waiting' | 'cache-aware', withChains: boolean): number {
  const ids = ['m@a', 'm@b', 'm@c', 'm@d'];
  const candidates = ids.map((id) => ({
    id,
    weight: 1,
    rpmLimit: null,
    maxConcurrency: null,
    maxNumSeqs: null,
  }));
  const chains = Array.from({ length: 48 }, (_, g) =>
    Array.from({ length: 128 }, (_, k) => ((g * 1000 + k) * 7919) % 2 ** 30),
  );
  const state = new MemoryRouterState(createSeededRandom(1));
  state.register(
    'm',
    ids.map((id) => ({ id, healthy: true })),
  );
  const policy: StatePolicy = {
    strategy,
    staleAfterMs: 3000,
    ejectAfterFailures: 3,
    probeFailureThreshold: 3,
    recoveryThreshold: 1,
  };
  let now = 1_800_000_000_000;
  let i = 0;
  return time(() => {
    now++;
    const affinity = withChains ? { affinity: { session: null, blocks: chains[i++ % 48]! } } : {};
    const got = state.acquire({ model: 'm', candidates, tried: [], now, policy, ...affinity });
    if (got.kind !== 'acquired') throw new Error(got.kind);
    state.release({
      model: 'm',
      id: got.id,
      now,
      outcome: 'success',
      chargedAt: now - 1,
      sawFirstByte: true,
      latencyMs: 100,
      ttftMs: 50,
      policy,
    });
  }, 20_000);
}

export function printAffinityCpu(cpu: AffinityCpu): void {
  out();
  out(`per-request CPU on a ${(cpu.bodyBytes / 1024).toFixed(0)} KB chat body (µs; best of 5 rounds)`);
  const [scan] = cpu.rows;
  out(
    formatTable(
      ['work', 'Node Buffer chunks', '/scan', 'plain Uint8Array (Worker)', '/scan'],
      cpu.rows.map((r) => [
        r.what,
        r.buffer.toFixed(1),
        `${(r.buffer / scan!.buffer).toFixed(1)}x`,
        r.plain.toFixed(1),
        `${(r.plain / scan!.plain).toFixed(1)}x`,
      ]),
    ),
  );
  out(
    `state acquire + release per request, 4 backends: ${cpu.state
      .map((a) => `${a.strategy} ${a.us.toFixed(1)} µs`)
      .join(', ')}`,
  );
}

import type { EngineModel } from './fleet-spec.ts';
import type { Dispatcher } from './load-run.ts';
import type { Random } from './prng.ts';
import type { StreamTarget } from './stream-client.ts';

/**
 * The two references every strategy is measured against, both hosted in the benchmark process:
 * - `oracle` (the issue's): join-shortest-queue on each engine's TRUE queue (running + waiting) at every
 *   arrival: what a router that knew the exact load could do. Equal queues go to the less utilised
 *   engine (n / max_num_seqs), the one use it makes of the engines' sizes.
 * - `ideal`: also knows each engine's max_num_seqs and speed, and sends the request where its expected
 *   time to first token is lowest: no real router has that knowledge; it bounds what speed awareness buys.
 */
export type OracleKind = 'oracle' | 'ideal';
export const ORACLES: readonly OracleKind[] = ['oracle', 'ideal'];

export function isOracle(dispatch: string): dispatch is OracleKind {
  return (ORACLES as readonly string[]).includes(dispatch);
}

/**
 * At every arrival, read each engine's TRUE queue and send the request where it is shortest (`oracle`) or
 * where its expected time to first token is lowest (`ideal`).
 *
 * What it reads: `outstanding[i]`, the requests this process has sent to sim i and whose response has not
 * ended. The oracle is the sims' only client and a sim holds a request (waiting or running) exactly until it
 * writes its last byte, so this is the sim's running + waiting, exact up to loopback transit (< 1 ms; the
 * run also compares it with the sims' own `stats()` at 4 Hz). What it knows: each engine's max_num_seqs,
 * speed and mean service time (fleet-spec.ts `engineModel`) — knowledge no real router has: `ideal` scores
 * with it, `oracle` only breaks ties with max_num_seqs.
 *
 * Score: `oracle` n; `ideal` (ms) firstTokenMs + max(0, n - maxNumSeqs + 1) · serviceMs / maxNumSeqs, i.e. the prefill of
 * the engine plus the expected wait for a slot behind the queue; ties by lower utilisation n / maxNumSeqs,
 * then at random.
 */
export class OracleDispatcher implements Dispatcher {
  readonly outstanding: number[];

  constructor(
    private readonly kind: OracleKind,
    private readonly models: readonly EngineModel[],
    private readonly targets: readonly StreamTarget[],
    private readonly random: Random,
  ) {
    this.outstanding = models.map(() => 0);
  }

  score(i: number): number {
    const m = this.models[i]!;
    const n = this.outstanding[i]!;
    if (this.kind === 'oracle') return n;
    return m.firstTokenMs + (Math.max(0, n - m.maxNumSeqs + 1) * m.serviceMs) / m.maxNumSeqs;
  }

  pick(): { target: StreamTarget; backend: number } {
    let best: number[] = [];
    let bestScore = Number.POSITIVE_INFINITY;
    let bestUse = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.models.length; i++) {
      const score = this.score(i);
      const use = this.outstanding[i]! / this.models[i]!.maxNumSeqs;
      if (score < bestScore - 1e-9 || (Math.abs(score - bestScore) <= 1e-9 && use < bestUse - 1e-9)) {
        best = [i];
        bestScore = score;
        bestUse = use;
      } else if (Math.abs(score - bestScore) <= 1e-9 && Math.abs(use - bestUse) <= 1e-9) best.push(i);
    }
    const chosen = best.length === 1 ? best[0]! : best[Math.floor(this.random() * best.length)]!;
    this.outstanding[chosen]!++;
    return { target: this.targets[chosen]!, backend: chosen };
  }

  /** A request another client sent straight to engine `backend`: part of its true queue. */
  admit(backend: number): void {
    this.outstanding[backend]!++;
  }

  done(backend: number | null): void {
    if (backend !== null) this.outstanding[backend]!--;
  }

  backendOf(): number {
    return -1;
  }
}

/** Through the router: one target, the backend read back from the response header. */
export class RouterDispatcher implements Dispatcher {
  constructor(
    private readonly target: StreamTarget,
    private readonly apiBases: readonly string[],
  ) {}

  pick(): { target: StreamTarget; backend: null } {
    return { target: this.target, backend: null };
  }

  done(): void {}

  backendOf(header: string | null): number {
    if (header === null) return -1;
    return this.apiBases.findIndex((base) => header.endsWith(`@${base}`));
  }
}

/** host/port of an api_base (`http://127.0.0.1:PORT/v1`). */
export function targetOf(apiBase: string): StreamTarget {
  const url = new URL(apiBase);
  return { host: url.hostname, port: Number(url.port) };
}

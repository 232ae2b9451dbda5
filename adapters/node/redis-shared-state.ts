import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  ACQUIRE,
  BLAME,
  HEARTBEAT,
  PROBE,
  REGISTER,
  RELEASE,
  RENEW,
  RESYNC,
  RETIRE,
  VIEW,
} from './redis-scripts.ts';

/** Whose clock the scripts use: Redis's (one for every replica), or the caller's (the contract suite). */
export type SharedClock = 'store' | 'caller';

export interface SharedCandidate {
  readonly id: string;
  readonly rpmLimit: number | null;
  readonly maxConcurrency: number | null;
}

export interface SharedCounts {
  /** Sends in the RPM window, over every replica. */
  readonly sends: number;
  /** Leased attempts in flight, over every replica. */
  readonly inflight: number;
}

export interface SharedAcquired {
  /** Index into the candidates, or -1 when none was eligible. */
  readonly picked: number;
  /** The script's now (Redis time, or the caller's). */
  readonly now: number;
  readonly anyHealthy: boolean;
  readonly saturated: boolean;
  /** -1 when none. */
  readonly retryAfterMs: number;
  /** Per candidate, after the charge. */
  readonly counts: readonly SharedCounts[];
}

export type SharedOutcome = 's' | 'c' | 'r' | 'n' | 'w' | 'f' | 'g';

export interface SharedBackendView extends SharedCounts {
  readonly healthy: boolean;
  readonly probed: boolean;
  readonly ejected: boolean;
  readonly requestFailures: number;
  /** In the script's time; 0 when none. */
  readonly holdUntil: number;
  readonly leasesExpired: number;
}

/** -1 (none), 0 (became unhealthy) or 1 (healthy again). */
export type SharedChange = -1 | 0 | 1;

interface Script {
  readonly lua: string;
  readonly sha: string;
}

function script(lua: string): Script {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

const SCRIPTS = {
  acquire: script(ACQUIRE),
  release: script(RELEASE),
  blame: script(BLAME),
  probe: script(PROBE),
  register: script(REGISTER),
  retire: script(RETIRE),
  renew: script(RENEW),
  view: script(VIEW),
  resync: script(RESYNC),
  heartbeat: script(HEARTBEAT),
};

/**
 * The shared part of the state in Redis/Valkey (redis-scripts.ts): typed calls, key names, EVALSHA with
 * the script sent once when Redis does not know it (after a restart too). Every call rejects on a
 * timeout or a lost connection (the client queues nothing offline): the caller falls back to its own
 * state then.
 */
export class RedisSharedState {
  readonly #client: Redis;
  readonly #prefix: string;
  readonly #mode: 'c' | 's';

  constructor(client: Redis, prefix: string, clock: SharedClock = 'store') {
    this.#client = client;
    this.#prefix = prefix;
    this.#mode = clock === 'caller' ? 'c' : 's';
  }

  async acquire(
    model: string,
    candidates: readonly SharedCandidate[],
    token: string,
    leaseMs: number,
    now: number,
  ): Promise<SharedAcquired> {
    const keys = candidates.flatMap((candidate) => this.#backendKeys(model, candidate.id));
    keys.push(this.#gone(model));
    const args: (string | number)[] = [this.#mode, now, leaseMs, token, candidates.length];
    for (const candidate of candidates)
      args.push(candidate.id, candidate.rpmLimit ?? -1, candidate.maxConcurrency ?? -1);
    const reply = (await this.#run(SCRIPTS.acquire, keys, args)) as number[];
    const counts: SharedCounts[] = [];
    for (let i = 0; i < candidates.length; i++)
      counts.push({ sends: reply[5 + 2 * i] ?? 0, inflight: reply[6 + 2 * i] ?? 0 });
    return {
      picked: (reply[0] ?? 0) - 1,
      now: reply[1] ?? now,
      anyHealthy: reply[2] === 1,
      saturated: reply[3] === 1,
      retryAfterMs: reply[4] ?? -1,
      counts,
    };
  }

  async release(
    model: string,
    id: string,
    token: string,
    outcome: SharedOutcome,
    holdMs: number,
    ejectAfter: number,
    defer: boolean,
    now: number,
  ): Promise<SharedChange> {
    const keys = [...this.#backendKeys(model, id), this.#gone(model)];
    const args = [this.#mode, now, token, id, outcome, holdMs, ejectAfter, defer ? 1 : 0];
    return ((await this.#run(SCRIPTS.release, keys, args)) as number[])[0] as SharedChange;
  }

  async blame(model: string, id: string, ejectAfter: number, now: number): Promise<SharedChange> {
    const keys = [this.#key(model, 'h', id), this.#gone(model)];
    return (
      (await this.#run(SCRIPTS.blame, keys, [this.#mode, now, id, ejectAfter])) as number[]
    )[0] as SharedChange;
  }

  async probe(
    model: string,
    id: string,
    ok: boolean,
    failureThreshold: number,
    recoveryThreshold: number,
    now: number,
  ): Promise<SharedChange> {
    const keys = [this.#key(model, 'h', id), this.#gone(model)];
    const args = [this.#mode, now, id, ok ? 1 : 0, failureThreshold, recoveryThreshold];
    return ((await this.#run(SCRIPTS.probe, keys, args)) as number[])[0] as SharedChange;
  }

  async register(
    model: string,
    entries: readonly { id: string; healthy: boolean }[],
    now: number,
  ): Promise<void> {
    if (entries.length === 0) return;
    const keys = [...entries.map((entry) => this.#key(model, 'h', entry.id)), this.#gone(model)];
    const args: (string | number)[] = [this.#mode, now, entries.length];
    for (const entry of entries) args.push(entry.id, entry.healthy ? 1 : 0);
    await this.#run(SCRIPTS.register, keys, args);
  }

  async retire(model: string, ids: readonly string[], now: number): Promise<void> {
    if (ids.length === 0) return;
    const keys = [...ids.flatMap((id) => this.#backendKeys(model, id)), this.#gone(model)];
    await this.#run(SCRIPTS.retire, keys, [this.#mode, now, ids.length, ...ids]);
  }

  /** Pushes the leases of one model's open attempts (tokens by backend id) to now + leaseMs. */
  async renew(
    model: string,
    tokens: ReadonlyMap<string, readonly string[]>,
    leaseMs: number,
    now: number,
  ): Promise<void> {
    if (tokens.size === 0) return;
    const keys: string[] = [];
    const args: (string | number)[] = [this.#mode, now, leaseMs];
    for (const [id, list] of tokens) {
      keys.push(this.#key(model, 'l', id));
      args.push(list.length, ...list);
    }
    await this.#run(SCRIPTS.renew, keys, args);
  }

  /** The shared record of each backend of one model (null where Redis has none), and the script's now. */
  async view(
    model: string,
    ids: readonly string[],
    now: number,
  ): Promise<{ readonly now: number; readonly backends: (SharedBackendView | null)[] }> {
    const keys = ids.flatMap((id) => this.#backendKeys(model, id));
    const reply = (await this.#run(SCRIPTS.view, keys, [this.#mode, now, ids.length])) as number[];
    const backends = ids.map((_, i): SharedBackendView | null => {
      const [sends, inflight, hy, pr, ej, rf, hold, le] = reply.slice(8 * i, 8 * i + 8) as number[];
      if (hy === -1 && pr === -1 && sends === 0 && inflight === 0) return null;
      return {
        sends: sends ?? 0,
        inflight: inflight ?? 0,
        healthy: hy !== 0,
        probed: pr === 1,
        ejected: ej === 1,
        requestFailures: Math.max(0, rf ?? 0),
        holdUntil: Math.max(0, hold ?? 0),
        leasesExpired: Math.max(0, le ?? 0),
      };
    });
    return { now: reply[8 * ids.length] ?? now, backends };
  }

  /** Puts this replica's own sends and open attempts back into the shared windows and leases. */
  async resync(
    entries: readonly {
      readonly model: string;
      readonly id: string;
      readonly token: string;
      readonly sentAt: number;
      /** Lease to hold from now, or -1 for a finished attempt whose send alone counts. */
      readonly leaseMs: number;
    }[],
    now: number,
  ): Promise<void> {
    // One slot per script on Redis Cluster: one call per model.
    const byModel = new Map<string, typeof entries>();
    for (const entry of entries) byModel.set(entry.model, [...(byModel.get(entry.model) ?? []), entry]);
    for (const [model, list] of byModel) {
      const keys = list.flatMap((entry) => [
        this.#key(model, 's', entry.id),
        this.#key(model, 'l', entry.id),
      ]);
      const args: (string | number)[] = [this.#mode, now, list.length];
      for (const entry of list) args.push(entry.token, entry.sentAt, entry.leaseMs);
      await this.#run(SCRIPTS.resync, keys, args);
    }
  }

  /** Says this replica is alive for `ttlMs`; answers how many are. */
  async heartbeat(replica: string, ttlMs: number, now: number): Promise<number> {
    return (await this.#run(
      SCRIPTS.heartbeat,
      [`${this.#prefix}replicas`],
      [this.#mode, now, replica, ttlMs],
    )) as number;
  }

  async leave(replica: string): Promise<void> {
    await this.#client.zrem(`${this.#prefix}replicas`, replica);
  }

  #key(model: string, kind: 's' | 'l' | 'h', id: string): string {
    return `${this.#prefix}{${model}}:${kind}:${id}`;
  }

  #backendKeys(model: string, id: string): string[] {
    return [this.#key(model, 's', id), this.#key(model, 'l', id), this.#key(model, 'h', id)];
  }

  #gone(model: string): string {
    return `${this.#prefix}{${model}}:gone`;
  }

  async #run(which: Script, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await this.#client.evalsha(which.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return this.#client.eval(which.lua, keys.length, ...keys, ...args);
    }
  }
}

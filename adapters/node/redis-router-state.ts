import {
  type AcquireRequest,
  type AcquireResult,
  type AttemptOutcome,
  type AttemptReport,
  type BackendLiveView,
  type BlameReport,
  type ClientRequestRecord,
  type EngineLoad,
  type FirstByteTiming,
  type HealthTransition,
  type Logger,
  MemoryRouterState,
  type ProbeReport,
  type Random,
  type RouterState,
  type StateView,
} from '../../src/index.ts';
import type { RedisSharedState, SharedCandidate, SharedChange, SharedOutcome } from './redis-shared-state.ts';
import { ReplicaUsage } from './replica-usage.ts';

type CandidateSpec = AcquireRequest['candidates'][number];

export interface RedisRouterStateOptions {
  readonly shared: RedisSharedState;
  readonly random: Random;
  readonly log: Logger;
  /** Clock.now of the router: timers read it to stamp heartbeats. */
  readonly now: () => number;
  /**
   * How long Redis counts an attempt in flight without hearing from this replica: open attempts are
   * renewed every third of it, so a replica that dies stops counting within it. A request that names its
   * own lease (AcquireRequest.leaseMs) gets that instead, and renews it itself.
   */
  readonly leaseMs: number;
  /** How often a degraded replica asks the store whether it is back. */
  readonly recoverEveryMs?: number;
  /** state.timeout_ms: how long one store call may take. */
  readonly timeoutMs: number;
  /** Heartbeat period; a replica counts as gone after three missed beats. */
  readonly heartbeatMs?: number;
}

interface OpenAttempt {
  readonly model: string;
  readonly id: string;
  readonly chargedAt: number;
  /** Counted in the local state (false only when local health refused what Redis picked). */
  readonly local: boolean;
  /** Leased in Redis (false: taken while degraded). */
  readonly shared: boolean;
  /** The request named its lease and renews it (the Worker's way); others are renewed here. */
  readonly callerLease: boolean;
  firstByte: boolean;
}

const RECOVER_EVERY_MS = 1000;
const HEARTBEAT_MS = 2000;

/**
 * RouterState for `state.store: redis`: replicas share, exactly, what limits and ejections need: RPM
 * windows, in-flight attempts (leases, so a dead replica's count expires), max_concurrency, 429 holds
 * and health (redis-scripts.ts does each check-and-charge atomically in Redis). The rest is this
 * replica's own, in a MemoryRouterState beside it: statistics, latency windows, engine load, what
 * least-waiting learns. Strategies run here: the local state ranks the candidates (limits off), and one
 * script takes the first eligible in that order.
 *
 * When Redis does not answer in time the replica degrades: it serves on its local state, each limit cut
 * to this replica's share (degraded-share.ts) so the replicas together stay within it, and asks Redis
 * every second whether it is back; then it writes back what it did meanwhile (open attempts, sends)
 * and shares again. No request fails because of the store.
 */
export class RedisRouterState implements RouterState {
  readonly #shared: RedisSharedState;
  readonly #local: MemoryRouterState;
  readonly #options: RedisRouterStateOptions;
  readonly #replica: string;
  readonly #usage = new ReplicaUsage();
  /** Backend id -> model: keys are per model. */
  readonly #models = new Map<string, string>();
  readonly #attempts = new Map<string, OpenAttempt>();
  /** Tokens of attempts whose request took no lease, by `id chargedAt` (their releases name none). */
  readonly #unleased = new Map<string, string[]>();
  /** Releases of attempts leased in Redis that ended while it was away: sent once it is back. */
  #releasesWhileDown: { model: string; id: string; token: string }[] = [];
  #seq = 0;
  #replicas = 1;
  #degradedSince: number | null = null;
  #resyncing = false;
  #renewedAt = Number.NEGATIVE_INFINITY;
  /** Until when this replica, back from degraded, also keeps to its share (see #settling). */
  #settleUntil = Number.NEGATIVE_INFINITY;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(options: RedisRouterStateOptions) {
    this.#options = options;
    this.#shared = options.shared;
    this.#local = new MemoryRouterState(options.random);
    this.#replica = Math.floor(options.random() * 2 ** 48).toString(36);
  }

  /** Starts the heartbeat (replica count); resolves once Redis answered or the replica degraded. */
  async start(): Promise<void> {
    await this.#beat();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#degradedSince === null) await this.#shared.leave(this.#replica).catch(() => undefined);
  }

  get degraded(): boolean {
    return this.#degradedSince !== null;
  }

  async register(model: string, entries: readonly { id: string; healthy: boolean }[]): Promise<void> {
    for (const entry of entries) this.#models.set(entry.id, model);
    this.#local.register(model, entries);
    await this.#sharedCall(() => this.#shared.register(model, entries, this.#options.now()));
  }

  async retire(model: string, ids: readonly string[]): Promise<void> {
    this.#local.retire(model, ids);
    await this.#sharedCall(() => this.#shared.retire(model, ids, this.#options.now()));
  }

  async acquire(request: AcquireRequest): Promise<AcquireResult> {
    const token = `${this.#replica}.${++this.#seq}`;
    const { leaseMs, ...unleased } = request;
    if (this.#degradedSince !== null) return this.#acquireAlone(request, token);
    // Ranking: the strategy over the local state, limits off (Redis judges those); just back from
    // degraded, with this replica's shares as limits, so the local state takes its share atomically.
    const settling = this.#settling(request.now);
    const ranked = this.#local.acquire({
      ...unleased,
      candidates: request.candidates.map((spec) =>
        settling ? this.#shareOf(spec, request.now) : withoutLimits(spec),
      ),
    });
    if (settling && ranked.kind !== 'acquired') return ranked;
    const first = ranked.kind === 'acquired' ? ranked.id : null;
    const order = settling
      ? request.candidates.filter((spec) => spec.id === first)
      : rankOrder(request, first);
    let reply: Awaited<ReturnType<RedisSharedState['acquire']>>;
    try {
      reply = await this.#shared.acquire(
        request.model,
        order,
        token,
        leaseMs ?? this.#options.leaseMs,
        request.now,
      );
    } catch (error) {
      if (ranked.kind === 'acquired') this.#withdrawLocal(request, ranked.id);
      this.#degrade(error);
      return this.#acquireAlone(request, token);
    }
    const picked = order[reply.picked];
    if (!picked) {
      if (ranked.kind === 'acquired') this.#withdrawLocal(request, ranked.id);
      this.#saw(request, order, reply.counts, null);
      if (!reply.anyHealthy) return { kind: 'none-healthy' };
      if (reply.saturated) return { kind: 'saturated' };
      return { kind: 'rate-limited', retryAfterMs: reply.retryAfterMs >= 0 ? reply.retryAfterMs : 1000 };
    }
    let local = first === picked.id;
    if (!local) {
      if (ranked.kind === 'acquired') this.#withdrawLocal(request, ranked.id);
      const again = this.#local.acquire({ ...unleased, candidates: [withoutLimits(picked)], tried: [] });
      local = again.kind === 'acquired';
    }
    this.#saw(request, order, reply.counts, picked.id);
    return this.#acquired(request, picked, token, { local, shared: true });
  }

  firstByte(model: string, id: string, attempt?: FirstByteTiming): void {
    const open = attempt && this.#openOf(id, attempt.chargedAt, attempt.lease);
    if (open) {
      if (open.firstByte || !open.local) return;
      open.firstByte = true;
    }
    this.#local.firstByte(model, id, attempt && { chargedAt: attempt.chargedAt, ttftMs: attempt.ttftMs });
  }

  /** Leases are renewed by this state itself (#renewAll); a caller that leases renews one too. */
  async renew(model: string, lease: string, leaseMs: number, now: number): Promise<void> {
    const open = this.#attempts.get(lease);
    if (this.#degradedSince !== null || !open?.shared) return;
    await this.#sharedCall(() => this.#shared.renew(model, new Map([[open.id, [lease]]]), leaseMs, now));
  }

  async release(report: AttemptReport): Promise<HealthTransition | null> {
    const token = report.lease ?? this.#takeUnleased(report.id, report.chargedAt);
    const open = token === undefined ? undefined : this.#attempts.get(token);
    if (token !== undefined) this.#attempts.delete(token);
    const { lease: _lease, ...local } = report;
    const localChange = open && !open.local ? null : this.#local.release(local);
    if (open && token !== undefined) {
      this.#usage.ended(report.id, token, report.outcome === 'not-sent' || report.outcome === 'withdrawn');
    }
    if (token === undefined || !open) return this.#degradedSince === null ? null : localChange;
    if (!open.shared || this.#degradedSince !== null) {
      // A lease in Redis (taken before the outage, or written back by a resync under way) ends there too.
      if (open.shared || this.#resyncing)
        this.#releasesWhileDown.push({ model: report.model, id: report.id, token });
      return localChange;
    }
    const holdMs = report.holdUntil === undefined ? 1000 : report.holdUntil - report.now;
    const change = await this.#sharedCall(() =>
      this.#shared.release(
        report.model,
        report.id,
        token,
        OUTCOMES[report.outcome],
        holdMs,
        report.policy.ejectAfterFailures,
        report.deferJudgement === true,
        report.now,
      ),
    );
    if (change === undefined) return localChange;
    return transition(report.id, change, 'traffic', report.error ?? report.outcome, report.now);
  }

  async blame(report: BlameReport): Promise<HealthTransition | null> {
    const localChange = this.#local.blame(report);
    const change = await this.#sharedCall(() =>
      this.#shared.blame(report.model, report.id, report.policy.ejectAfterFailures, report.now),
    );
    if (change === undefined) return localChange;
    return transition(report.id, change, 'traffic', report.reason, report.now);
  }

  async applyProbe(report: ProbeReport): Promise<HealthTransition | null> {
    const localChange = this.#local.applyProbe(report);
    const { policy } = report;
    const change = await this.#sharedCall(() =>
      this.#shared.probe(
        report.model,
        report.id,
        report.ok,
        policy.probeFailureThreshold,
        policy.recoveryThreshold,
        report.now,
      ),
    );
    if (change === undefined) return localChange;
    return transition(report.id, change, 'probe', report.reason, report.now);
  }

  applyLoad(model: string, id: string, load: EngineLoad | null, now: number): void {
    this.#local.applyLoad(model, id, load, now);
  }

  recordRequest(record: ClientRequestRecord): void {
    this.#local.recordRequest(record);
  }

  /** The local view, with what the replicas share (health, in flight, RPM, holds) read from Redis. */
  async view(now: number): Promise<StateView> {
    const view = this.#local.view(now);
    let backends: readonly BackendLiveView[] = view.backends;
    if (this.#degradedSince === null) {
      const byModel = new Map<string, number[]>();
      for (const [i, backend] of view.backends.entries()) {
        const model = this.#models.get(backend.id);
        if (model !== undefined) byModel.set(model, [...(byModel.get(model) ?? []), i]);
      }
      const merged = [...view.backends];
      const read = await this.#sharedCall(async () => {
        for (const [model, indices] of byModel) {
          const ids = indices.map((i) => view.backends[i]!.id);
          const shared = await this.#shared.view(model, ids, now);
          for (const [k, record] of shared.backends.entries()) {
            const i = indices[k]!;
            if (!record) continue;
            merged[i] = overlay(view.backends[i]!, record, now, shared.now);
            // Views come every second (history): the others' counts a degraded replica starts from.
            this.#usage.seen(view.backends[i]!.id, record, now, 0);
          }
        }
        return true;
      });
      if (read !== undefined) backends = merged;
    }
    return {
      ...view,
      backends,
      store: {
        store: 'redis',
        degraded: this.#degradedSince !== null,
        degradedSince: this.#degradedSince,
        replicas: this.#replicas,
      },
    };
  }

  /** Alone (degraded): the local state judges, with this replica's share of each limit. */
  #acquireAlone(request: AcquireRequest, token: string): AcquireResult {
    const { leaseMs: _lease, ...unleased } = request;
    const candidates = request.candidates.map((spec) => this.#shareOf(spec, request.now));
    const result = this.#local.acquire({ ...unleased, candidates });
    if (result.kind !== 'acquired') return result;
    const spec = request.candidates.find((candidate) => candidate.id === result.id);
    return spec ? this.#acquired(request, spec, token, { local: true, shared: false }) : result;
  }

  /**
   * Just back from degraded: other replicas may not have noticed yet, and what they do alone is not in
   * Redis until they do. Until every replica had time to (two recovery periods), this one keeps to its
   * share as well as to the shared count, so the sum stays within every limit across the switch.
   */
  #settling(now: number): boolean {
    return now < this.#settleUntil;
  }

  #shareOf(spec: CandidateSpec, now: number): CandidateSpec {
    return this.#usage.shareOf(spec, now, this.#replicas, this.#options.leaseMs);
  }

  #acquired(
    request: AcquireRequest,
    spec: CandidateSpec,
    token: string,
    where: { local: boolean; shared: boolean },
  ): AcquireResult {
    const { id } = spec;
    this.#models.set(id, request.model);
    // Only a limited backend's sends matter when the windows are rebuilt (and an unlimited one may see
    // thousands a second).
    this.#usage.sent(id, token, request.now, spec.rpmLimit !== null);
    this.#attempts.set(token, {
      model: request.model,
      id,
      chargedAt: request.now,
      firstByte: false,
      callerLease: request.leaseMs !== undefined,
      ...where,
    });
    if (request.leaseMs === undefined) {
      const key = `${id} ${request.now}`;
      this.#unleased.set(key, [...(this.#unleased.get(key) ?? []), token]);
      return { kind: 'acquired', id, chargedAt: request.now };
    }
    return {
      kind: 'acquired',
      id,
      chargedAt: request.now,
      lease: { id: token, until: request.now + request.leaseMs },
    };
  }

  /** Remember the shared counts a reply carried, as others' (minus this replica's own). */
  #saw(
    request: AcquireRequest,
    order: readonly SharedCandidate[],
    counts: readonly { sends: number; inflight: number }[],
    picked: string | null,
  ): void {
    for (const [i, candidate] of order.entries()) {
      const count = counts[i];
      if (count) this.#usage.seen(candidate.id, count, request.now, candidate.id === picked ? 1 : 0);
    }
  }

  #withdrawLocal(request: AcquireRequest, id: string): void {
    this.#local.release({
      model: request.model,
      id,
      now: request.now,
      outcome: 'withdrawn',
      chargedAt: request.now,
      sawFirstByte: false,
      latencyMs: 0,
      ttftMs: null,
      policy: request.policy,
    });
  }

  /** The open attempt a call names: by its lease, or by backend and acquire time when it has none. */
  #openOf(id: string, chargedAt: number, lease: string | undefined): OpenAttempt | undefined {
    if (lease !== undefined) return this.#attempts.get(lease);
    const token = this.#unleased.get(`${id} ${chargedAt}`)?.[0];
    return token === undefined ? undefined : this.#attempts.get(token);
  }

  #takeUnleased(id: string, chargedAt: number): string | undefined {
    const key = `${id} ${chargedAt}`;
    const tokens = this.#unleased.get(key);
    const token = tokens?.shift();
    if (tokens && tokens.length === 0) this.#unleased.delete(key);
    return token;
  }

  /** A Redis call unless degraded; undefined when it was not made or failed (then degraded). */
  async #sharedCall<T>(call: () => Promise<T>): Promise<T | undefined> {
    if (this.#degradedSince !== null) return undefined;
    try {
      return await call();
    } catch (error) {
      this.#degrade(error);
      return undefined;
    }
  }

  #degrade(error: unknown): void {
    if (this.#degradedSince !== null || this.#closed) return;
    this.#degradedSince = this.#options.now();
    this.#options.log.warn('state store unreachable: serving on this replica\u2019s own state (degraded)', {
      store: 'redis',
      replicas: this.#replicas,
      error: error instanceof Error ? error.message : String(error),
    });
    this.#schedule(this.#options.recoverEveryMs ?? RECOVER_EVERY_MS);
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#beat(), ms);
    this.#timer.unref?.();
  }

  /** Heartbeat while shared; while degraded, the question whether Redis is back (then resync). */
  async #beat(): Promise<void> {
    const heartbeatMs = this.#options.heartbeatMs ?? HEARTBEAT_MS;
    try {
      const now = this.#options.now();
      const replicas = Math.max(1, await this.#shared.heartbeat(this.#replica, heartbeatMs * 3, now));
      // A Redis back from an outage (maybe empty) counts only the replicas that noticed so far: the
      // shares keep the count from before until the others had time to beat again.
      const recovering = this.#degradedSince !== null || this.#settling(now);
      this.#replicas = recovering ? Math.max(this.#replicas, replicas) : replicas;
      if (this.#degradedSince !== null) await this.#resync();
      else if (now - this.#renewedAt >= this.#options.leaseMs / 3) await this.#renewAll(now);
    } catch (error) {
      if (this.#degradedSince === null) this.#degrade(error);
      else this.#schedule(this.#options.recoverEveryMs ?? RECOVER_EVERY_MS);
      return;
    }
    this.#schedule(heartbeatMs);
  }

  /**
   * Every open attempt's lease, renewed here in one call per model rather than by each attempt (a
   * timer per attempt costs more than the call): an attempt outlives its lease only when this replica
   * stops beating, i.e. is gone.
   */
  async #renewAll(now: number): Promise<void> {
    this.#renewedAt = now;
    const byModel = new Map<string, Map<string, string[]>>();
    for (const [token, open] of this.#attempts) {
      if (!open.shared || open.callerLease) continue;
      const ids = byModel.get(open.model) ?? new Map<string, string[]>();
      byModel.set(open.model, ids);
      ids.set(open.id, [...(ids.get(open.id) ?? []), token]);
    }
    for (const [model, tokens] of byModel)
      await this.#shared.renew(model, tokens, this.#options.leaseMs, now);
  }

  /** Back from degraded: what this replica did alone goes into Redis before it shares again. */
  async #resync(): Promise<void> {
    const leaseMs = this.#options.leaseMs;
    // Redis may have lost everything (restarted without persistence): every send of the last minute
    // and every open attempt of this replica go back, under their tokens (members already there stay
    // one). Requests keep coming meanwhile (still degraded), so this repeats until nothing is new, and
    // the switch to shared follows the last write with no await between.
    const written = new Set<string>();
    this.#resyncing = true;
    try {
      while (true) {
        const now = this.#options.now();
        const entries: Parameters<RedisSharedState['resync']>[0][number][] = [];
        for (const [token, open] of this.#attempts)
          if (!written.has(token))
            entries.push({ model: open.model, id: open.id, token, sentAt: open.chargedAt, leaseMs });
        for (const sent of this.#usage.recentSends(now)) {
          const model = this.#models.get(sent.id);
          if (model !== undefined && !written.has(sent.token))
            entries.push({ model, id: sent.id, token: sent.token, sentAt: sent.at, leaseMs: -1 });
        }
        const released = this.#releasesWhileDown;
        this.#releasesWhileDown = [];
        if (entries.length === 0 && released.length === 0) break;
        await this.#shared.resync(entries, now);
        for (const entry of entries) written.add(entry.token);
        for (const end of released)
          await this.#shared.release(end.model, end.id, end.token, 'g', 0, 1, false, now);
      }
    } finally {
      this.#resyncing = false;
    }
    const now = this.#options.now();
    // Attempts open now are leased in Redis from here on (renewals and releases go there).
    for (const [token, open] of this.#attempts)
      if (!open.shared) this.#attempts.set(token, { ...open, shared: true });
    const since = this.#degradedSince;
    this.#degradedSince = null;
    this.#settleUntil =
      now + 2 * (this.#options.recoverEveryMs ?? RECOVER_EVERY_MS) + this.#options.timeoutMs;
    this.#options.log.info('state store back: shared state resumed', {
      store: 'redis',
      degraded_ms: since === null ? 0 : now - since,
      replicas: this.#replicas,
    });
  }
}

const OUTCOMES: Record<AttemptOutcome, SharedOutcome> = {
  success: 's',
  'client-error': 'c',
  'rate-limited': 'r',
  'not-sent': 'n',
  withdrawn: 'w',
  failure: 'f',
  'client-gone': 'g',
};

function withoutLimits(spec: CandidateSpec): CandidateSpec {
  return spec.rpmLimit === null && spec.maxConcurrency === null
    ? spec
    : { ...spec, rpmLimit: null, maxConcurrency: null };
}

/** The local pick first, then the untried candidates, then the tried ones (the request's preference). */
function rankOrder(request: AcquireRequest, first: string | null): CandidateSpec[] {
  const order: CandidateSpec[] = [];
  const head = first === null ? undefined : request.candidates.find((spec) => spec.id === first);
  if (head) order.push(head);
  for (const spec of request.candidates)
    if (spec !== head && !request.tried.includes(spec.id)) order.push(spec);
  for (const spec of request.candidates)
    if (spec !== head && request.tried.includes(spec.id)) order.push(spec);
  return order;
}

function transition(
  id: string,
  change: SharedChange,
  cause: HealthTransition['cause'],
  reason: string,
  at: number,
): HealthTransition | null {
  if (change === -1) return null;
  return { id, healthy: change === 1, cause, reason, at };
}

function overlay(
  local: BackendLiveView,
  shared: NonNullable<Awaited<ReturnType<RedisSharedState['view']>>['backends'][number]>,
  now: number,
  sharedNow: number,
): BackendLiveView {
  return {
    ...local,
    healthy: shared.healthy,
    probed: shared.probed || local.probed,
    ejected: shared.ejected,
    consecutiveFailures: shared.requestFailures,
    inflight: shared.inflight,
    sendRpm: shared.sends,
    holdUntil: shared.holdUntil > 0 ? now + (shared.holdUntil - sharedNow) : 0,
    leasesExpired: shared.leasesExpired,
  };
}

import type { Random } from '../core/random.ts';
import { applyProbeResult, applyTrafficResult } from '../health/health-record.ts';
import type { EngineLoad } from '../metrics/engine-load.ts';
import { Histogram, LATENCY_BUCKETS } from '../metrics/histogram.ts';
import type { CandidateSpec } from '../pool/pool-snapshot.ts';
import { type BackendProfile, knownCapacity, resolveProfiles } from '../routing/backend-profile.ts';
import { cacheNeutralProfiles } from '../routing/cache-aware.ts';
import type { CandidateView } from '../routing/candidate-view.ts';
import { requestsAhead } from '../routing/least-waiting.ts';
import { strategyFor } from '../routing/strategy-for.ts';
import { AffinityState } from './affinity-state.ts';
import { errorKindOf } from './attempt-error-kind.ts';
import { BackendLive } from './backend-live.ts';
import { LeaseBook } from './lease-book.ts';
import type {
  AcquireRequest,
  AcquireResult,
  AttemptReport,
  BackendLiveView,
  BlameReport,
  ClientRequestRecord,
  FirstByteTiming,
  HealthTransition,
  ProbeReport,
  RouterState,
  StateView,
} from './router-state.ts';

/** The single implementation of RouterState: used directly on Node, wrapped by Durable Objects on Workers. */
export class MemoryRouterState implements RouterState {
  readonly #backends = new Map<string, BackendLive>();
  /**
   * Ids retired from config and since dropped: a late probe result or a request holding an older pool
   * snapshot must not bring them back as phantom records. Cleared by register; grows only with the ids
   * ever removed, which config edits bound.
   */
  readonly #gone = new Set<string>();
  readonly #random: Random;
  readonly #leases: LeaseBook;
  /** cache-aware's prefix indexes and session rings, per model. */
  readonly #affinity = new AffinityState();
  #requests = 0;
  #successes = 0;
  #failures = 0;
  #clientErrors = 0;
  #rejected = 0;
  #clientGone = 0;
  #attempts = 0;
  readonly #latency = new Histogram(LATENCY_BUCKETS);
  readonly #ttft = new Histogram(LATENCY_BUCKETS);

  constructor(random: Random) {
    this.#random = random;
    this.#leases = new LeaseBook(random);
  }

  register(_model: string, entries: readonly { id: string; healthy: boolean }[]): void {
    for (const { id, healthy } of entries) {
      this.#gone.delete(id);
      const existing = this.#backends.get(id);
      if (existing) existing.retired = false;
      else this.#backends.set(id, new BackendLive(id, healthy));
    }
  }

  retire(model: string, ids: readonly string[]): void {
    for (const id of ids) {
      this.#affinity.forget(model, id);
      const live = this.#backends.get(id);
      if (!live) {
        this.#gone.add(id);
        continue;
      }
      if (live.inflight === 0) this.#drop(id);
      else live.retired = true;
    }
  }

  acquire(request: AcquireRequest): AcquireResult {
    const { now } = request;
    this.#expireLeases(now);
    const eligible: CandidateView[] = [];
    const lives: BackendLive[] = [];
    let anyHealthy = false;
    let saturated = false;
    let retryAfterMs = Number.POSITIVE_INFINITY;
    for (const spec of request.candidates) {
      const live = this.#live(spec.id);
      if (live === null || live.retired || !live.health.healthy) continue;
      anyHealthy = true;
      if (live.holdUntil > now) {
        retryAfterMs = Math.min(retryAfterMs, live.holdUntil - now);
        continue;
      }
      if (spec.maxConcurrency !== null && live.inflight >= spec.maxConcurrency) {
        saturated = true;
        continue;
      }
      if (spec.rpmLimit !== null && live.sends.count(now) >= spec.rpmLimit) {
        retryAfterMs = Math.min(retryAfterMs, live.sends.msUntilFree(now, spec.rpmLimit));
        continue;
      }
      eligible.push(this.#candidateView(spec, live, now, request.policy.staleAfterMs));
      lives.push(live);
    }
    if (!anyHealthy) return { kind: 'none-healthy' };
    if (eligible.length === 0) {
      // A slot at max_concurrency frees within a request's time, usually far sooner than an RPM window
      // or a 429 hold: poll for it rather than answer 429 because another candidate is rate limited.
      if (saturated) return { kind: 'saturated' };
      return { kind: 'rate-limited', retryAfterMs: Number.isFinite(retryAfterMs) ? retryAfterMs : 1000 };
    }
    let pool = eligible;
    let poolLives = lives;
    if (request.tried.length > 0) {
      const untried = eligible.flatMap((view, i) => (request.tried.includes(view.id) ? [] : [i]));
      if (untried.length > 0) {
        pool = untried.map((i) => eligible[i]!);
        poolLives = untried.map((i) => lives[i]!);
      }
    }
    const profiles = resolveProfiles(pool);
    const index = pool.length === 1 ? 0 : this.#choose(request, pool, profiles);
    const live = poolLives[index]!;
    this.#affinity.sent(request, live.id);
    live.speed.dispatched(now, slotFree(pool[index]!, profiles[index]!));
    live.sends.record(now);
    live.inflight++;
    live.pending++;
    live.attempts++;
    this.#attempts++;
    if (request.leaseMs === undefined) return { kind: 'acquired', id: live.id, chargedAt: now };
    return {
      kind: 'acquired',
      id: live.id,
      chargedAt: now,
      lease: this.#leases.take(live, now, request.leaseMs),
    };
  }

  #candidateView(spec: CandidateSpec, live: BackendLive, now: number, staleAfterMs: number): CandidateView {
    // A new max_num_seqs in the backend entry (a redeploy rewrote it) may be a different engine: relearn.
    if (live.configuredCapacity !== spec.maxNumSeqs) {
      if (live.configuredCapacity !== undefined) live.capacity.reset();
      live.configuredCapacity = spec.maxNumSeqs;
    }
    const { load } = live;
    const fresh = load !== null && now - live.loadAt <= staleAfterMs;
    // The engine's running + waiting beyond this router's own requests at that scrape: other clients.
    const others = fresh ? Math.max(0, load.running + load.waiting - live.inflightAtScrape) : 0;
    return {
      id: spec.id,
      weight: spec.weight,
      inflight: live.inflight,
      others,
      engineMetrics: fresh,
      ...knownCapacity(spec.maxNumSeqs, live.capacity.value()),
      capacityFloor: live.capacity.floor,
      queuedAtFloor: live.capacity.queuedAtFloor,
      firstTokenMs: live.speed.firstTokenMs(now),
      decodeMs: live.speed.decodeMs(now),
      engineTokenRate: live.decodeRate.value(now),
    };
  }

  firstByte(_model: string, id: string, attempt?: FirstByteTiming): void {
    if (attempt?.lease !== undefined && this.#leases.firstByte(attempt.lease) !== 'first') return;
    const live = this.#backends.get(id);
    if (!live) return;
    live.pending = Math.max(0, live.pending - 1);
    if (attempt) live.speed.firstByte(attempt.chargedAt, attempt.ttftMs);
  }

  renew(_model: string, lease: string, leaseMs: number, now: number): void {
    this.#leases.renew(lease, now + leaseMs);
  }

  release(report: AttemptReport): HealthTransition | null {
    const live = this.#backends.get(report.id);
    if (!live) return null;
    // A leased attempt gives its slot back once: when released, or when its lease ran out first.
    if (report.lease === undefined) this.#returnSlot(live, report.sawFirstByte);
    else {
      const held = this.#leases.end(report.lease);
      if (held !== null) this.#returnSlot(live, held.firstByte);
    }
    live.speed.settled(
      report.chargedAt,
      report.now,
      report.outcome === 'success' ? { latencyMs: report.latencyMs, ttftMs: report.ttftMs } : undefined,
    );
    let change: boolean | null = null;
    switch (report.outcome) {
      case 'success':
        live.successes++;
        live.completions.record(report.now);
        live.latencyMsSum += report.latencyMs;
        if (report.ttftMs !== null) {
          live.ttftMsSum += report.ttftMs;
          live.ttftCount++;
        }
        change = applyTrafficResult(live.health, false, report.policy.ejectAfterFailures);
        break;
      case 'client-error':
        live.clientErrors++;
        change = applyTrafficResult(live.health, false, report.policy.ejectAfterFailures);
        break;
      case 'rate-limited':
        live.rateLimited++;
        live.holdUntil = Math.max(live.holdUntil, report.holdUntil ?? report.now + 1000);
        break;
      case 'not-sent':
        live.sends.refund(report.chargedAt);
        live.failures++;
        change = applyTrafficResult(live.health, true, report.policy.ejectAfterFailures);
        break;
      case 'failure':
        live.failures++;
        if (!report.deferJudgement)
          change = applyTrafficResult(live.health, true, report.policy.ejectAfterFailures);
        break;
      case 'withdrawn':
        live.sends.refund(report.chargedAt);
        break;
      case 'client-gone':
        break;
    }
    this.#recordWindow(live, report);
    if (report.error !== undefined) {
      live.lastError = report.error;
      live.lastErrorAt = report.now;
    }
    if (live.retired && live.inflight === 0) this.#drop(live.id);
    return this.#transition(
      report.model,
      live,
      change,
      'traffic',
      report.error ?? report.outcome,
      report.now,
    );
  }

  blame(report: BlameReport): HealthTransition | null {
    const live = this.#backends.get(report.id);
    if (!live) return null;
    const change = applyTrafficResult(live.health, true, report.policy.ejectAfterFailures);
    return this.#transition(report.model, live, change, 'traffic', report.reason, report.now);
  }

  /** Only registered backends: a probe that finishes after its backend was removed changes nothing. */
  applyProbe(report: ProbeReport): HealthTransition | null {
    const live = this.#backends.get(report.id);
    if (!live || live.retired) return null;
    const change = applyProbeResult(
      live.health,
      report.ok,
      report.policy.probeFailureThreshold,
      report.policy.recoveryThreshold,
    );
    if (!report.ok) {
      live.lastError = `probe: ${report.reason}`;
      live.lastErrorAt = report.now;
    }
    return this.#transition(report.model, live, change, 'probe', report.reason, report.now);
  }

  /**
   * A health change, however it came (traffic, a blamed failure, a probe): stamped, and out of rotation
   * the backend may come back as another engine (restarted with other settings), so what was learned
   * about it is forgotten.
   */
  #transition(
    model: string,
    live: BackendLive,
    change: boolean | null,
    cause: HealthTransition['cause'],
    reason: string,
    at: number,
  ): HealthTransition | null {
    if (change === null) return null;
    live.lastChangeAt = at;
    if (!change) this.#outOfRotation(model, live);
    return { id: live.id, healthy: change, cause, reason, at };
  }

  applyLoad(model: string, id: string, load: EngineLoad | null, now: number): void {
    const live = this.#backends.get(id);
    if (!live) return;
    live.load = load;
    live.loadAt = now;
    live.inflightAtScrape = live.inflight;
    live.window.tokens(now, load?.generationTokens ?? null);
    if (load !== null) {
      // A restarted engine lost its prefix cache along with its counters.
      if (live.capacity.observe(load)) this.#affinity.forget(model, id);
      live.decodeRate.observe(load, now);
      live.prefixHits.observe(load, now);
    }
  }

  recordRequest(record: ClientRequestRecord): void {
    this.#requests++;
    switch (record.outcome) {
      case 'success':
        this.#successes++;
        break;
      case 'failure':
        this.#failures++;
        break;
      case 'client-error':
        this.#clientErrors++;
        break;
      case 'rejected':
        this.#rejected++;
        break;
      case 'client-gone':
        this.#clientGone++;
        break;
    }
    this.#latency.observe(record.latencyMs / 1000);
    if (record.ttftMs !== null) this.#ttft.observe(record.ttftMs / 1000);
  }

  view(now: number): StateView {
    this.#expireLeases(now);
    const backends: BackendLiveView[] = [];
    for (const live of this.#backends.values()) {
      backends.push({
        id: live.id,
        healthy: live.health.healthy,
        probed: live.health.probed,
        ejected: live.health.ejected,
        inflight: live.inflight,
        pending: live.pending,
        sendRpm: live.sends.count(now),
        completionRpm: live.completions.count(now),
        holdUntil: live.holdUntil,
        load: live.load,
        loadAt: live.loadAt,
        consecutiveFailures: live.health.requestFailures,
        attempts: live.attempts,
        successes: live.successes,
        failures: live.failures,
        clientErrors: live.clientErrors,
        rateLimited: live.rateLimited,
        latencyMsSum: live.latencyMsSum,
        learnedCapacity: live.capacity.value(),
        capacityFloor: live.capacity.floor,
        capacityQueuedAtFloor: live.capacity.queuedAtFloor,
        firstTokenMs: live.speed.firstTokenMs(now),
        decodeMs: live.speed.decodeMs(now),
        engineTokenRate: live.decodeRate.value(now),
        ttftMsSum: live.ttftMsSum,
        ttftCount: live.ttftCount,
        lastError: live.lastError,
        lastErrorAt: live.lastErrorAt,
        lastChangeAt: live.lastChangeAt,
        window: live.window.view(now),
        leasesExpired: live.leasesExpired,
        prefixCacheHitRate: live.prefixHits.value(now),
      });
    }
    return {
      backends,
      prefixIndexes: this.#affinity.view(),
      totals: {
        requests: this.#requests,
        successes: this.#successes,
        failures: this.#failures,
        clientErrors: this.#clientErrors,
        rejected: this.#rejected,
        clientGone: this.#clientGone,
        attempts: this.#attempts,
        latencyBuckets: LATENCY_BUCKETS,
        latencyCumulative: this.#latency.cumulative(),
        latencySum: this.#latency.sum,
        ttftCumulative: this.#ttft.cumulative(),
        ttftSum: this.#ttft.sum,
        ttftCount: this.#ttft.count,
      },
    };
  }

  /** The dashboard's window: durations of successes, and every other attempt counted by its kind. */
  #recordWindow(live: BackendLive, report: AttemptReport): void {
    if (report.outcome === 'success') {
      live.window.success(report.now, report.latencyMs, report.ttftMs);
      return;
    }
    const kind = errorKindOf(report.outcome, report.errorKind);
    if (kind !== null) live.window.error(report.now, kind);
  }

  /**
   * A candidate this state has never seen is created healthy rather than failing the request: a state
   * that lost its registrations (a Durable Object restarted before it persisted them) is never told
   * again, since isolates register once. The router registers before it swaps the pool, so otherwise
   * this is not reached. Ids retired from config stay out (null).
   */
  #live(id: string): BackendLive | null {
    let live = this.#backends.get(id);
    if (!live) {
      if (this.#gone.has(id)) return null;
      live = new BackendLive(id, true);
      this.#backends.set(id, live);
    }
    return live;
  }

  /** Hand back the slots of leases that ran out: their releases were lost on the way. */
  #expireLeases(now: number): void {
    for (const { live, firstByte } of this.#leases.expire(now)) {
      this.#returnSlot(live, firstByte);
      live.leasesExpired++;
      live.lastError = 'lease expired: the attempt was never released (state call lost)';
      live.lastErrorAt = now;
      if (live.retired && live.inflight === 0 && this.#backends.get(live.id) === live) this.#drop(live.id);
    }
  }

  /** Which of several eligible candidates the request's strategy takes. */
  #choose(
    request: AcquireRequest,
    pool: readonly CandidateView[],
    profiles: readonly BackendProfile[],
  ): number {
    // cache-aware scores load (its affinity bound and its least-waiting fallback) on speeds that prefix
    // cache hits do not distort.
    const scored =
      request.policy.strategy === 'cache-aware' ? cacheNeutralProfiles(pool, profiles) : profiles;
    return (
      this.#affinity.choose(request, pool, scored, this.#random) ??
      strategyFor(request.policy.strategy)(pool, this.#random, scored)
    );
  }

  /** An attempt's slot given back (released, or its lease ran out): in flight, and pending until its first byte. */
  #returnSlot(live: BackendLive, sawFirstByte: boolean): void {
    live.inflight = Math.max(0, live.inflight - 1);
    if (!sawFirstByte) live.pending = Math.max(0, live.pending - 1);
  }

  /** Unhealthy or ejected: it may come back as another engine, with other slots and an empty cache. */
  #outOfRotation(model: string, live: BackendLive): void {
    live.capacity.reset();
    this.#affinity.forget(model, live.id);
  }

  #drop(id: string): void {
    this.#backends.delete(id);
    this.#gone.add(id);
  }
}

/**
 * Whether a request sent now finds a free slot. A capacity filled in from the peers is a guess, so then
 * only the engine's own evidence counts (it was seen running this many at once; an idle engine has room
 * for one). Without any (no metrics, nothing configured) every request counts as one: its time to
 * first byte then includes any queueing, which pushes traffic away from a queueing backend, as the
 * estimate of issue 3 did.
 */
function slotFree(candidate: CandidateView, profile: BackendProfile): boolean {
  const ahead = requestsAhead(candidate);
  if (profile.capacitySource !== 'unknown') return ahead < profile.capacity;
  return candidate.engineMetrics ? ahead < Math.max(1, candidate.capacityFloor) : true;
}

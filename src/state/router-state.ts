import type { StrategyName } from '../config/main-config-schema.ts';
import type { EngineLoad } from '../metrics/engine-load.ts';
import type { CandidateSpec } from '../pool/pool-snapshot.ts';
import type { Affinity } from '../routing/affinity.ts';
import type { CacheAwarePolicy } from '../routing/cache-aware.ts';
import type { AttemptErrorKind } from './attempt-error-kind.ts';
import type { AttemptWindowView } from './attempt-window.ts';
import type { LearnedCapacity } from './capacity-estimate.ts';

/** In-memory state answers synchronously; a Durable Object stub answers with promises. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * The config values a state call is judged by, derived once per config (LiveConfig) and carried by the
 * calls that need them: a remote state is shared by routers that may run different config versions
 * for a moment (a rolling reload), so it keeps none of its own.
 */
export interface StatePolicy {
  readonly strategy: StrategyName;
  /** Engine metrics older than this are ignored by least-waiting. */
  readonly staleAfterMs: number;
  /** retry.failure_threshold: consecutive traffic failures that eject a backend. */
  readonly ejectAfterFailures: number;
  /** health_check.failure_threshold: consecutive failed probes that mark a backend unhealthy. */
  readonly probeFailureThreshold: number;
  /** health_check.recovery_threshold: passing probes that bring it back. */
  readonly recoveryThreshold: number;
  /** routing.cache_aware (for `cache-aware`); absent: its defaults. */
  readonly cacheAware?: CacheAwarePolicy;
}

export interface AcquireRequest {
  /** Shard key of a remote state (one Durable Object per model). */
  readonly model: string;
  readonly candidates: readonly CandidateSpec[];
  /** Backends this client request already tried: the others come first. */
  readonly tried: readonly string[];
  readonly now: number;
  readonly policy: StatePolicy;
  /** The request's session or prompt prefix, when its strategy is `cache-aware` and it has one. */
  readonly affinity?: Affinity;
  /**
   * Hold the attempt under a lease that expires this many ms after `now` unless renewed or released: a
   * remote state (Workers) may lose a release on the way, and a lost release must not hold a
   * max_concurrency slot forever. Omitted where releases cannot be lost (Node's in-process state).
   */
  readonly leaseMs?: number;
}

/** An attempt's lease: `renew` and `release` name it by `id`; the state expires it at `until`. */
export interface Lease {
  readonly id: string;
  readonly until: number;
}

export type AcquireResult =
  | {
      readonly kind: 'acquired';
      readonly id: string;
      readonly chargedAt: number;
      /** Present when the request asked for one (AcquireRequest.leaseMs). */
      readonly lease?: Lease;
    }
  | { readonly kind: 'none-healthy' }
  | { readonly kind: 'rate-limited'; readonly retryAfterMs: number }
  | { readonly kind: 'saturated' };

/**
 * - success: 2xx/3xx fully relayed; client-error: upstream 4xx passed through (the backend is fine);
 * - rate-limited: upstream 429; failure: 5xx, reset, timeout, broken stream;
 * - not-sent: never reached the backend (connect refused), so the RPM charge is refunded;
 * - withdrawn: acquired but never sent (the client left during the retry backoff, or the backend left
 *   the pool first): refunded, and says nothing about the backend;
 * - client-gone: the client left first; says nothing about the backend.
 */
export type AttemptOutcome =
  | 'success'
  | 'failure'
  | 'client-error'
  | 'rate-limited'
  | 'not-sent'
  | 'withdrawn'
  | 'client-gone';

export interface AttemptReport {
  readonly model: string;
  readonly id: string;
  readonly now: number;
  readonly outcome: AttemptOutcome;
  readonly chargedAt: number;
  /** Whether firstByte() was reported for this attempt (so `pending` is balanced). */
  readonly sawFirstByte: boolean;
  /** The attempt's lease, when it has one: a release after the lease expired changes no counter twice. */
  readonly lease?: string;
  /** Upstream 429's Retry-After: the backend is skipped until then. */
  readonly holdUntil?: number;
  readonly latencyMs: number;
  readonly ttftMs: number | null;
  /** Short reason shown on the dashboard; never contains keys. */
  readonly error?: string;
  /** What kind of failure a `failure` / `not-sent` outcome was (default reset / connect). */
  readonly errorKind?: AttemptErrorKind;
  /**
   * A failure the request itself may have caused: counted in the statistics now, but toward passive
   * ejection only if `blame()` follows once the request is over (core/failure-verdicts.ts).
   */
  readonly deferJudgement?: boolean;
  readonly policy: StatePolicy;
}

/** A deferred failure that turned out to be the backend's (it counts toward passive ejection now). */
export interface BlameReport {
  readonly model: string;
  readonly id: string;
  readonly now: number;
  readonly reason: string;
  readonly policy: StatePolicy;
}

/** Which attempt (its acquire's `chargedAt`) saw its first byte, and how long after it was sent. */
/** An attempt's first byte: its timing (least-waiting's speed) and, where attempts are leased, its lease. */
export interface FirstByteTiming {
  readonly chargedAt: number;
  readonly ttftMs: number;
  readonly lease?: string;
}

export interface ProbeReport {
  readonly model: string;
  readonly id: string;
  readonly ok: boolean;
  readonly reason: string;
  readonly now: number;
  readonly policy: StatePolicy;
}

export interface HealthTransition {
  readonly id: string;
  readonly healthy: boolean;
  readonly cause: 'probe' | 'traffic';
  readonly reason: string;
  readonly at: number;
}

export type ClientOutcome = 'success' | 'failure' | 'client-error' | 'rejected' | 'client-gone';

export interface ClientRequestRecord {
  /** The model the request named, or null when it was answered before one was read (bad body, auth). */
  readonly model: string | null;
  readonly outcome: ClientOutcome;
  readonly status: number;
  readonly latencyMs: number;
  readonly ttftMs: number | null;
  readonly attempts: number;
}

export interface BackendLiveView {
  readonly id: string;
  readonly healthy: boolean;
  readonly probed: boolean;
  /** Taken out by traffic failures; back after the next passing probe. */
  readonly ejected: boolean;
  readonly inflight: number;
  /** In-flight attempts still waiting for their first response byte (queued or prefilling). */
  readonly pending: number;
  readonly sendRpm: number;
  readonly completionRpm: number;
  readonly holdUntil: number;
  readonly load: EngineLoad | null;
  readonly loadAt: number;
  readonly consecutiveFailures: number;
  readonly attempts: number;
  readonly successes: number;
  readonly failures: number;
  readonly clientErrors: number;
  readonly rateLimited: number;
  readonly latencyMsSum: number;
  /** Slot count the engine reported or the router learned (least-waiting); null while unknown. */
  readonly learnedCapacity: LearnedCapacity | null;
  /** Most sequences the engine was seen running at once since it (re)started. */
  readonly capacityFloor: number;
  /** Whether the engine was seen queueing at that floor (once; twice and it is learnedCapacity). */
  readonly capacityQueuedAtFloor: boolean;
  /** Time to first token on a free slot, and from first to last byte (ms); null while unknown. */
  readonly firstTokenMs: number | null;
  readonly decodeMs: number | null;
  /** Tokens per second per running sequence from the engine's counters (EngineDecodeRate); null: none. */
  readonly engineTokenRate: number | null;
  readonly ttftMsSum: number;
  readonly ttftCount: number;
  readonly lastError: string | null;
  readonly lastErrorAt: number;
  readonly lastChangeAt: number;
  /** The last 60 s of attempts: latency/TTFT histograms, errors by kind, output tokens/s. */
  readonly window: AttemptWindowView;
  /** Leases that ran out unreleased (a release lost between a Worker and its state). */
  readonly leasesExpired: number;
  /** The engine's prefix-cache hit rate (0..1) over the last minute (PrefixHitRate); null: not reported. */
  readonly prefixCacheHitRate?: number | null;
}

/** One model's cache-aware prefix index (PrefixIndex), as the dashboard and /metrics show it. */
export interface PrefixIndexView {
  readonly model: string;
  /** Entries held (block × backend) and the cap (routing.cache_aware.max_blocks). */
  readonly entries: number;
  readonly capacity: number;
  readonly bytes: number;
}

export interface RequestTotals {
  readonly requests: number;
  readonly successes: number;
  readonly failures: number;
  readonly clientErrors: number;
  readonly rejected: number;
  readonly clientGone: number;
  readonly attempts: number;
  readonly latencyBuckets: readonly number[];
  readonly latencyCumulative: readonly number[];
  readonly latencySum: number;
  readonly ttftCumulative: readonly number[];
  readonly ttftSum: number;
  readonly ttftCount: number;
}

/** A state shared through a store (state.store: redis), and whether this replica reaches it now. */
export interface StoreStatus {
  readonly store: string;
  /** The store did not answer in time: this replica serves on its own state, with shares of the limits. */
  readonly degraded: boolean;
  /** Since when (Clock.now) degraded; null when shared. */
  readonly degradedSince: number | null;
  /** Replicas sharing the store, as last seen. */
  readonly replicas: number;
}

export interface StateView {
  readonly backends: readonly BackendLiveView[];
  readonly totals: RequestTotals;
  /** The cache-aware prefix indexes of the models this state routes (none until one is used). */
  readonly prefixIndexes?: readonly PrefixIndexView[];
  /** Present where the state is shared through a store. */
  readonly store?: StoreStatus;
}

/**
 * Everything mutable shared between requests. Node uses MemoryRouterState directly; the Worker calls
 * Durable Objects that hold the same class, so every method may return a promise.
 */
export interface RouterState {
  /** Make backends known; `healthy` is their state until a probe says otherwise. Existing ones are untouched. */
  register(model: string, entries: readonly { id: string; healthy: boolean }[]): MaybePromise<void>;
  /** Backends removed from config: state is dropped once their in-flight requests finish. */
  retire(model: string, ids: readonly string[]): MaybePromise<void>;
  acquire(request: AcquireRequest): MaybePromise<AcquireResult>;
  /**
   * The attempt's first response byte arrived (ends its "pending" phase on the dashboard); with its
   * timing, least-waiting learns the backend's time to first token without waiting for the end.
   */
  firstByte(model: string, id: string, attempt?: FirstByteTiming): MaybePromise<void>;
  /** Push a lease's expiry to `now + leaseMs` (long attempts renew before it runs out). */
  renew(model: string, lease: string, leaseMs: number, now: number): MaybePromise<void>;
  release(report: AttemptReport): MaybePromise<HealthTransition | null>;
  /** Count a deferred failure (AttemptReport.deferJudgement) toward the backend's passive ejection. */
  blame(report: BlameReport): MaybePromise<HealthTransition | null>;
  applyProbe(report: ProbeReport): MaybePromise<HealthTransition | null>;
  applyLoad(model: string, id: string, load: EngineLoad | null, now: number): MaybePromise<void>;
  recordRequest(record: ClientRequestRecord): MaybePromise<void>;
  view(now: number): MaybePromise<StateView>;
}

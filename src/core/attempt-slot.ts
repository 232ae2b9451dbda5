import { type AttemptErrorKind, errorKindOfFailure } from '../state/attempt-error-kind.ts';
import type {
  AttemptOutcome,
  HealthTransition,
  Lease,
  MaybePromise,
  StatePolicy,
} from '../state/router-state.ts';
import type { DispatchContext } from './dispatch.ts';
import type { FailureVerdicts } from './failure-verdicts.ts';
import { quietly } from './quietly.ts';
import type { UpstreamFailure } from './upstream-failure.ts';

export interface ReleaseExtra {
  readonly ttftMs?: number | null;
  readonly error?: string;
  readonly holdUntil?: number;
  /** The failure behind a 'failure' outcome: one the request may have caused is judged later. */
  readonly failure?: UpstreamFailure;
  /** What the dashboard counts it as when there is no `failure` to tell (a stream broken mid-body). */
  readonly errorKind?: AttemptErrorKind;
}

/**
 * One attempt's hold on a backend, from acquire to release: the first-byte report, the release (exactly
 * once), and, where the state leases attempts, the renewals that keep the lease from running out under a
 * long stream. State calls made here are never awaited by the request; a failed one is logged, and a
 * lost release is what the lease bounds.
 */
export class AttemptSlot {
  readonly id: string;
  readonly #ctx: DispatchContext;
  readonly #model: string;
  readonly #policy: StatePolicy;
  readonly #chargedAt: number;
  readonly #lease: Lease | undefined;
  readonly #verdicts: FailureVerdicts;
  readonly #renewals: AbortController | null;
  #sentAt: number;
  #sawFirstByte = false;
  #released = false;

  constructor(
    ctx: DispatchContext,
    model: string,
    policy: StatePolicy,
    acquired: { readonly id: string; readonly chargedAt: number; readonly lease?: Lease },
    verdicts: FailureVerdicts,
  ) {
    this.#ctx = ctx;
    this.#model = model;
    this.#policy = policy;
    this.id = acquired.id;
    this.#chargedAt = acquired.chargedAt;
    this.#lease = acquired.lease;
    this.#verdicts = verdicts;
    this.#sentAt = ctx.clock.now();
    this.#renewals = this.#lease && ctx.settings.leaseMs !== null ? new AbortController() : null;
    if (this.#renewals) void this.#renew(this.#renewals.signal);
  }

  /** The request goes out now (after a retry backoff): latency counts from here. */
  sending(): void {
    this.#sentAt = this.#ctx.clock.now();
  }

  /** The first byte came: reported to the state; answers the time to first byte (ms since sent). */
  readonly firstByte = (): number => {
    this.#sawFirstByte = true;
    const ttftMs = this.#ctx.clock.now() - this.#sentAt;
    // The timing teaches least-waiting this backend's time to first token before the attempt ends.
    const timing = { chargedAt: this.#chargedAt, ttftMs, ...(this.#lease ? { lease: this.#lease.id } : {}) };
    this.#quietly(() => this.#ctx.state.firstByte(this.#model, this.id, timing), 'firstByte');
    return ttftMs;
  };

  readonly release = (outcome: AttemptOutcome, extra: ReleaseExtra): void => {
    if (this.#released) return;
    this.#released = true;
    this.#renewals?.abort();
    const { clock, state } = this.#ctx;
    const done = clock.now();
    const deferJudgement =
      outcome === 'failure' && extra.failure !== undefined && this.#verdicts.defer(this.id, extra.failure);
    const errorKind = extra.errorKind ?? (extra.failure ? errorKindOfFailure(extra.failure) : undefined);
    const change = this.#quietly(
      () =>
        state.release({
          sawFirstByte: this.#sawFirstByte,
          model: this.#model,
          id: this.id,
          now: done,
          outcome,
          chargedAt: this.#chargedAt,
          latencyMs: done - this.#sentAt,
          ttftMs: extra.ttftMs ?? null,
          policy: this.#policy,
          ...(this.#lease ? { lease: this.#lease.id } : {}),
          ...(extra.error === undefined ? {} : { error: extra.error }),
          ...(errorKind === undefined ? {} : { errorKind }),
          ...(extra.holdUntil === undefined ? {} : { holdUntil: extra.holdUntil }),
          ...(deferJudgement ? { deferJudgement } : {}),
        }),
      'release',
    );
    reportHealthChange(this.#ctx, change);
  };

  /** Renew the lease every third of its length until released (Workers only; Node states lease nothing). */
  async #renew(signal: AbortSignal): Promise<void> {
    const { clock, state, settings } = this.#ctx;
    const leaseMs = settings.leaseMs;
    const lease = this.#lease;
    if (leaseMs === null || !lease) return;
    while (true) {
      try {
        await clock.sleep(leaseMs / 3, signal);
      } catch {
        return;
      }
      await this.#quietly(() => state.renew(this.#model, lease.id, leaseMs, clock.now()), 'renew');
    }
  }

  #quietly<T>(call: () => MaybePromise<T>, what: string): MaybePromise<T | null> {
    return quietly(call, (error) =>
      this.#ctx.log.warn(`state ${what} failed`, { backend: this.id, error: String(error) }),
    );
  }
}

/**
 * Tell the router about a health change a state call answered (a passive ejection), after the call:
 * releases and blames happen outside the request's await chain (end of stream, end of request).
 */
export function reportHealthChange(
  ctx: DispatchContext,
  change: MaybePromise<HealthTransition | null> | null,
): void {
  if (change instanceof Promise)
    void change.then((transition) => {
      if (transition) ctx.onHealthChange(transition);
    });
  // No promise (an in-memory state) for the common case of no change.
  else if (change) queueMicrotask(() => ctx.onHealthChange(change));
}

import type { CandidateSpec, PoolSnapshot } from '../pool/pool-snapshot.ts';
import type { Affinity } from '../routing/affinity.ts';
import type {
  AcquireRequest,
  AcquireResult,
  HealthTransition,
  RouterState,
  StatePolicy,
} from '../state/router-state.ts';
import { mayResendAfterSend } from './after-send.ts';
import { AttemptSlot, reportHealthChange } from './attempt-slot.ts';
import { attemptUpstream } from './attempt-upstream.ts';
import { backoffDelay } from './backoff.ts';
import type { Clock } from './clock.ts';
import type { DispatchSettings } from './dispatch-settings.ts';
import { FailureVerdicts } from './failure-verdicts.ts';
import type { Logger } from './logger.ts';
import { headerValue, type ProxyRequest, type ProxyResponse } from './proxy-exchange.ts';
import { quietly, recordQuietly } from './quietly.ts';
import type { Random } from './random.ts';
import { requestAffinity } from './request-affinity.ts';
import { acceptRequestId, createRequestId } from './request-id.ts';
import { routerErrors } from './router-error.ts';
import { scanModel } from './scan-model.ts';
import type { AbortSignalLike, Transport } from './transport.ts';
import { describeFailure, mayHaveRun, type UpstreamFailure } from './upstream-failure.ts';

export interface DispatchContext {
  readonly snapshot: PoolSnapshot;
  readonly settings: DispatchSettings;
  readonly state: RouterState;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly random: Random;
  readonly log: Logger;
  /** Passive ejections, for logs, dashboard and webhooks. */
  onHealthChange(change: HealthTransition): void;
  /** The relayed response ended (completed, broke or the client left): exactly once per response. */
  onResponseEnd(): void;
}

/** Thrown when the client went away while the router was still choosing or waiting: nothing is written. */
export class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
}

/**
 * The attempt loop: pick a backend, forward, retry retryable failures elsewhere with backoff, and hand
 * the first usable response back for streaming. Resolves once response headers are known. Failures the
 * request itself may have caused are counted against their backends only once it is over
 * (FailureVerdicts).
 */
export async function dispatch(request: ProxyRequest, ctx: DispatchContext): Promise<ProxyResponse> {
  const scan = scanModel(request.body);
  if (scan.kind === 'invalid') throw routerErrors.badBody();
  if (scan.kind === 'missing') throw routerErrors.missingModel();
  const model = scan.model;
  const candidates = ctx.snapshot.candidatesOf(model);
  if (!candidates) throw routerErrors.modelNotFound(model);
  const { settings } = ctx;
  const policy = settings.modelPolicies.get(model) ?? settings.statePolicy;
  // Read from the body once per client request (retries reuse it), and only for the strategy that uses it.
  const affinity = policy.strategy === 'cache-aware' ? requestAffinity(request, settings.affinity) : null;
  const verdicts = new FailureVerdicts(candidates.length);
  let answered = false;
  try {
    const response = await attemptLoop(request, ctx, { model, scan, candidates, verdicts, policy, affinity });
    answered = true;
    return response;
  } finally {
    blame(ctx, model, policy, verdicts.settle(answered));
  }
}

async function attemptLoop(
  request: ProxyRequest,
  ctx: DispatchContext,
  target: {
    readonly model: string;
    readonly scan: { readonly start: number; readonly end: number };
    readonly candidates: readonly CandidateSpec[];
    readonly verdicts: FailureVerdicts;
    /** The model's state policy (routing.per_model may give it its own strategy). */
    readonly policy: StatePolicy;
    readonly affinity: Affinity | null;
  },
): Promise<ProxyResponse> {
  const { settings, state, clock, snapshot } = ctx;
  const { model, scan, candidates } = target;
  const started = clock.now();
  const requestId = acceptRequestId(headerValue(request.headers, 'x-request-id')) ?? createRequestId();
  const tried: string[] = [];
  let lastFailure: UpstreamFailure | null = null;
  // Every attempt so far answered 429: the client gets a 429 with the shortest hold, not a 502.
  let only429s = true;
  let shortestHoldMs = Number.POSITIVE_INFINITY;
  // The retry backoff is slept after the next backend is acquired: when none is left, the answer comes
  // at once instead of after a pointless wait.
  let backoffMs = 0;
  const waitDeadline = started + settings.maxWaitMs;

  const record = (
    outcome: 'success' | 'failure' | 'client-error' | 'client-gone',
    status: number,
    ttft: number | null,
  ) =>
    recordQuietly(state, ctx.log, {
      model,
      outcome,
      status,
      latencyMs: clock.now() - started,
      ttftMs: ttft,
      attempts: tried.length,
    });

  while (true) {
    if (request.signal.aborted) throw new ClientGoneError('client disconnected');
    const now = clock.now();
    const acquired = await acquire(ctx, {
      model,
      candidates,
      tried,
      now,
      policy: target.policy,
      ...(target.affinity === null ? {} : { affinity: target.affinity }),
      ...(settings.leaseMs === null ? {} : { leaseMs: settings.leaseMs }),
    });
    if (acquired.kind === 'none-healthy') {
      if (lastFailure) throw routerErrors.retriesExhausted(describeFailure(lastFailure));
      throw routerErrors.noHealthy();
    }
    if (acquired.kind === 'rate-limited' || acquired.kind === 'saturated') {
      // No event tells us when a saturated backend frees a slot, so ask again after a poll period.
      const wait = acquired.kind === 'saturated' ? settings.saturationPollMs : acquired.retryAfterMs;
      const mayWait = acquired.kind === 'saturated' || settings.rateLimitMode === 'wait';
      if (mayWait && now + wait <= waitDeadline) {
        await sleepUnlessGone(ctx.clock, wait, request.signal);
        continue;
      }
      if (acquired.kind === 'saturated') throw routerErrors.allSaturated(1);
      throw routerErrors.allRateLimited(Math.max(1, Math.ceil(acquired.retryAfterMs / 1000)));
    }

    tried.push(acquired.id);
    const slot = new AttemptSlot(ctx, model, target.policy, acquired, target.verdicts);
    const backend = snapshot.get(acquired.id);
    if (!backend) {
      // The state chose an id this snapshot lacks (a reload raced the request): the acquire already
      // counted an in-flight attempt and charged the RPM window, so hand both back before trying again.
      slot.release('withdrawn', { error: 'backend left the pool before sending' });
      continue;
    }
    if (backoffMs > 0) {
      try {
        await sleepUnlessGone(clock, backoffMs, request.signal);
      } catch (gone) {
        slot.release('withdrawn', {});
        throw gone;
      }
      backoffMs = 0;
      slot.sending();
    }

    const result = await attemptUpstream(request, backend, scan, requestId, ctx, {
      firstByte: slot.firstByte,
      release: slot.release,
      record,
    });
    if (result.kind === 'response') return result.response;
    if (result.failure.kind === 'client-gone') throw new ClientGoneError('client disconnected');
    lastFailure = result.failure;
    if (result.failure.kind === 'status429')
      shortestHoldMs = Math.min(shortestHoldMs, result.failure.retryAfterMs);
    else only429s = false;
    ctx.log.debug('attempt failed', {
      requestId,
      backend: backend.id,
      attempt: tried.length,
      reason: describeFailure(result.failure),
    });
    if (mayHaveRun(result.failure) && !mayResendAfterSend(settings.afterSend, request.path))
      throw routerErrors.retriesExhausted(
        `${describeFailure(result.failure)}; not sent again: the backend may have processed it (retry.after_send: ${settings.afterSend})`,
      );
    if (tried.length > settings.numRetries) break;
    backoffMs = backoffDelay(tried.length, settings.backoff, ctx.random);
  }
  if (only429s && Number.isFinite(shortestHoldMs))
    throw routerErrors.allRateLimited(Math.max(1, Math.ceil(shortestHoldMs / 1000)));
  throw routerErrors.retriesExhausted(
    describeFailure(lastFailure ?? { kind: 'reset', message: 'no attempt', sent: false }),
  );
}

/** The state's answer, or the 503 the client gets when the state cannot be reached (Workers: a DO error). */
async function acquire(ctx: DispatchContext, request: AcquireRequest): Promise<AcquireResult> {
  try {
    return await ctx.state.acquire(request);
  } catch (error) {
    ctx.log.warn('state acquire failed', { model: request.model, error: String(error) });
    throw routerErrors.stateUnavailable();
  }
}

/** Count the request's deferred failures that turned out to be their backends' (FailureVerdicts). */
function blame(ctx: DispatchContext, model: string, policy: StatePolicy, ids: readonly string[]): void {
  for (const id of ids) {
    const report = {
      model,
      id,
      now: ctx.clock.now(),
      reason: 'request failures',
      policy,
    };
    const change = quietly(
      () => ctx.state.blame(report),
      (error) => ctx.log.warn('state blame failed', { backend: id, error: String(error) }),
    );
    reportHealthChange(ctx, change);
  }
}

async function sleepUnlessGone(clock: Clock, ms: number, signal: AbortSignalLike): Promise<void> {
  try {
    await clock.sleep(ms, signal);
  } catch {
    throw new ClientGoneError('client disconnected');
  }
}

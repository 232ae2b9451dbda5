import type { Clock } from '../core/clock.ts';
import { ClientGoneError, type DispatchContext, dispatch } from '../core/dispatch.ts';
import type { ProxyRequest, ProxyResponse } from '../core/proxy-exchange.ts';
import { RouterError } from '../core/router-error.ts';
import type { RouterState } from '../state/router-state.ts';
import type { Admission } from './admission.ts';

export interface AdmittedDispatchDeps {
  readonly admission: Admission;
  readonly state: RouterState;
  readonly clock: Clock;
  /** server.max_inflight (0 = no limit), read per request so a reload applies. */
  readonly maxInflight: () => number;
  /** Built per request: it carries the pool snapshot and settings current at admission. */
  readonly context: () => DispatchContext;
}

/**
 * Admit one client request, dispatch it, and count what never reached a backend. The admission slot is
 * held until the relayed response ends (`onResponseEnd`), so streams count against max_inflight.
 */
export async function admittedDispatch(
  request: ProxyRequest,
  deps: AdmittedDispatchDeps,
): Promise<ProxyResponse> {
  const { admission, state, clock } = deps;
  const started = clock.now();
  try {
    admission.enter(deps.maxInflight());
  } catch (error) {
    await state.recordRequest(rejectedRecord(error instanceof RouterError ? error.status : 503, 0));
    throw error;
  }
  let handedOff = false;
  try {
    const response = await dispatch(request, deps.context());
    handedOff = true;
    return response;
  } catch (error) {
    const status = error instanceof RouterError ? error.status : 499;
    const outcome = error instanceof ClientGoneError ? 'client-gone' : status >= 500 ? 'failure' : 'rejected';
    await state.recordRequest({ ...rejectedRecord(status, clock.now() - started), outcome });
    throw error;
  } finally {
    if (!handedOff) admission.leave();
  }
}

/** A client request answered before any attempt: it never resolved a backend, so no model shard. */
function rejectedRecord(status: number, latencyMs: number) {
  return {
    model: null,
    outcome: 'rejected' as const,
    status,
    latencyMs,
    ttftMs: null,
    attempts: 0,
  };
}

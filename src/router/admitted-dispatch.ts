import type { Clock } from '../core/clock.ts';
import { ClientGoneError, type DispatchContext, dispatch } from '../core/dispatch.ts';
import type { Logger } from '../core/logger.ts';
import type { ProxyRequest, ProxyResponse } from '../core/proxy-exchange.ts';
import { recordQuietly } from '../core/quietly.ts';
import { RouterError } from '../core/router-error.ts';
import type { ClientOutcome, ClientRequestRecord, RouterState } from '../state/router-state.ts';
import type { Admission } from './admission.ts';

export interface AdmittedDispatchDeps {
  readonly admission: Admission;
  readonly state: RouterState;
  readonly clock: Clock;
  readonly log: Logger;
  /** server.max_inflight (0 = no limit), read per request so a reload applies. */
  readonly maxInflight: () => number;
  /** Built per request: it carries the pool snapshot and settings current at admission. */
  readonly context: () => DispatchContext;
}

/** A client request holding a max_inflight slot: exactly one of its two methods is called. */
export interface AdmissionTicket {
  /** Dispatch; the slot is held until the relayed response ends (streams count until their last byte). */
  dispatch(request: ProxyRequest): Promise<ProxyResponse>;
  /** The body never arrived whole (unreadable, too large, client gone: `status` null): slot back, request counted. */
  abandon(status: number | null): void;
}

/**
 * Admit one client request before its body is read, so bodies being uploaded count against
 * `server.max_inflight` (a slot held only after the read let any number of large uploads in at once).
 * Throws the RouterError the client gets (503) when full or draining. What never reached a backend is
 * counted here; statistics calls never replace the error the client gets.
 */
export function admit(deps: AdmittedDispatchDeps): AdmissionTicket {
  const { admission, clock } = deps;
  const started = clock.now();
  const record = (entry: ClientRequestRecord) => recordQuietly(deps.state, deps.log, entry);
  try {
    admission.enter(deps.maxInflight());
  } catch (error) {
    record(rejectedRecord(error instanceof RouterError ? error.status : 503, 0, 'rejected'));
    throw error;
  }
  let used = false;
  const once = () => {
    if (used) throw new Error('admission ticket used twice');
    used = true;
  };
  return {
    abandon(status) {
      once();
      admission.leave();
      record(
        rejectedRecord(status ?? 499, clock.now() - started, status === null ? 'client-gone' : 'rejected'),
      );
    },
    async dispatch(request) {
      once();
      let handedOff = false;
      try {
        const response = await dispatch(request, deps.context());
        handedOff = true;
        return response;
      } catch (error) {
        const status = error instanceof RouterError ? error.status : 499;
        const outcome =
          error instanceof ClientGoneError ? 'client-gone' : status >= 500 ? 'failure' : 'rejected';
        record(rejectedRecord(status, clock.now() - started, outcome));
        throw error;
      } finally {
        if (!handedOff) admission.leave();
      }
    },
  };
}

/** A client request answered before any attempt: it never resolved a backend, so no model shard. */
function rejectedRecord(status: number, latencyMs: number, outcome: ClientOutcome): ClientRequestRecord {
  return { model: null, outcome, status, latencyMs, ttftMs: null, attempts: 0 };
}

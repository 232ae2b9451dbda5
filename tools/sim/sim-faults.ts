import type { SimFaults } from './sim-options.ts';

export type FaultAction =
  | { kind: 'none' }
  | { kind: 'hang' }
  | { kind: 'respond'; status: number; message: string; type: string; headers?: Record<string, string> };

const NONE: FaultAction = { kind: 'none' };

/** OpenAI-style error `type` for a status, as vLLM names them. */
export function errorTypeFor(status: number): string {
  if (status === 400) return 'BadRequestError';
  if (status === 401) return 'AuthenticationError';
  if (status === 404) return 'NotFoundError';
  if (status === 429) return 'RateLimitError';
  if (status === 503) return 'ServiceUnavailableError';
  return status >= 500 ? 'InternalServerError' : 'APIError';
}

/**
 * Picks the fault for one inference POST. Order matters: a backend whose inference is broken fails every
 * request; otherwise hang, 429 and error are independent draws checked in that order.
 */
export function inferenceFault(faults: SimFaults, random: () => number = Math.random): FaultAction {
  if (faults.failInferenceOnly) {
    return {
      kind: 'respond',
      status: 500,
      message: 'Simulated inference failure.',
      type: 'InternalServerError',
    };
  }
  if (faults.hangRate > 0 && random() < faults.hangRate) return { kind: 'hang' };
  if (faults.rateLimitRate > 0 && random() < faults.rateLimitRate) {
    return {
      kind: 'respond',
      status: 429,
      message: 'Simulated rate limit.',
      type: 'RateLimitError',
      headers: { 'retry-after': String(faults.retryAfterSeconds) },
    };
  }
  if (faults.errorRate > 0 && random() < faults.errorRate) {
    const status = faults.errorStatus;
    return { kind: 'respond', status, message: `Simulated error ${status}.`, type: errorTypeFor(status) };
  }
  return NONE;
}

/**
 * Status `/v1/models` should answer, or null for a normal 200. Flapping is phase-locked to `flapEpoch`
 * (when the fault was set) so a test can predict the phase.
 */
export function modelsFaultStatus(
  faults: SimFaults,
  flapEpoch: number,
  now: number = Date.now(),
): number | null {
  if (faults.modelsStatus !== undefined && faults.modelsStatus !== 200) return faults.modelsStatus;
  if (faults.flapPeriodMs > 0) {
    const phase = Math.floor((now - flapEpoch) / faults.flapPeriodMs) % 2;
    return phase === 0 ? null : 503;
  }
  return null;
}

/** Whether this stream should be cut; decided once per request so the drop point is deterministic. */
export function shouldDropStream(faults: SimFaults, random: () => number = Math.random): boolean {
  return faults.dropMidStreamRate > 0 && random() < faults.dropMidStreamRate;
}

/** Health bookkeeping of one backend; mutated only through the functions below. */
export interface HealthRecord {
  healthy: boolean;
  probed: boolean;
  ejected: boolean;
  probeFailures: number;
  probeSuccesses: number;
  requestFailures: number;
}

export function newHealthRecord(healthy: boolean): HealthRecord {
  return { healthy, probed: false, ejected: false, probeFailures: 0, probeSuccesses: 0, requestFailures: 0 };
}

/**
 * Probe state machine (SPEC §6.2): down after `failureThreshold` consecutive failures, up after
 * `recoveryThreshold` consecutive successes. A backend ejected by traffic, or one never probed, comes
 * back on its first passing probe (half-open), unless probes have since failed `failureThreshold` times:
 * then the outage is the probes' finding too, and `recoveryThreshold` applies. Returns the new health
 * when it changed.
 */
export function applyProbeResult(
  record: HealthRecord,
  ok: boolean,
  failureThreshold: number,
  recoveryThreshold: number,
): boolean | null {
  const firstProbe = !record.probed;
  record.probed = true;
  if (ok) {
    record.probeFailures = 0;
    record.probeSuccesses++;
    if (record.healthy) return null;
    if (record.ejected || firstProbe || record.probeSuccesses >= recoveryThreshold) {
      record.healthy = true;
      record.ejected = false;
      record.requestFailures = 0;
      return true;
    }
    return null;
  }
  record.probeSuccesses = 0;
  record.probeFailures++;
  if (record.probeFailures >= failureThreshold) record.ejected = false;
  if (record.healthy && (firstProbe || record.probeFailures >= failureThreshold)) {
    record.healthy = false;
    return false;
  }
  return null;
}

/** Passive detection (SPEC §6.3): consecutive failed requests eject at once; any other outcome resets. */
export function applyTrafficResult(
  record: HealthRecord,
  failed: boolean,
  failureThreshold: number,
): boolean | null {
  if (!failed) {
    record.requestFailures = 0;
    return null;
  }
  record.requestFailures++;
  if (record.healthy && record.requestFailures >= failureThreshold) {
    record.healthy = false;
    record.ejected = true;
    return false;
  }
  return null;
}

import type { Backend } from '../pool/backend.ts';
import type { HealthTransition } from '../state/router-state.ts';

export interface EjectionProbesDeps {
  /** health_check.ejection_probe_delay in ms, read when an ejection happens (0 = off). */
  readonly delayMs: () => number;
  /** The backend as configured now (a reload may have removed or changed it meanwhile). */
  readonly backend: (id: string) => Backend | undefined;
  readonly probe: (backends: readonly Backend[]) => Promise<void>;
  /** Tell the scheduler a probe fell due earlier than it planned. */
  readonly wake: () => void;
}

/**
 * After a passive ejection, probe that backend on its own once `health_check.ejection_probe_delay` has
 * passed: a backend taken out by a burst of failures is otherwise out until the next round (30 s by
 * default), and a model whose only backend it was answers 503 all that time.
 */
export class EjectionProbes {
  readonly #deps: EjectionProbesDeps;
  readonly #due = new Map<string, number>();

  constructor(deps: EjectionProbesDeps) {
    this.#deps = deps;
  }

  /** A health listener: schedules the probe of a backend that traffic just took out. */
  readonly onHealthChange = (change: HealthTransition): void => {
    if (change.healthy || change.cause !== 'traffic') return;
    const delayMs = this.#deps.delayMs();
    if (delayMs <= 0) return;
    this.#due.set(change.id, change.at + delayMs);
    this.#deps.wake();
  };

  nextAt(): number {
    let next = Number.POSITIVE_INFINITY;
    for (const at of this.#due.values()) next = Math.min(next, at);
    return next;
  }

  /** Probe the backends whose delay has passed by `now`. */
  async runDue(now: number): Promise<void> {
    const due: Backend[] = [];
    for (const [id, at] of this.#due) {
      if (at > now) continue;
      this.#due.delete(id);
      const backend = this.#deps.backend(id);
      if (backend) due.push(backend);
    }
    if (due.length > 0) await this.#deps.probe(due);
  }
}

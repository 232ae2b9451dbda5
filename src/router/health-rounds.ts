import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { mapLimit } from '../core/map-limit.ts';
import type { Transport } from '../core/transport.ts';
import { probeBackend } from '../health/probe-backend.ts';
import type { Backend } from '../pool/backend.ts';
import type { BackendPool } from '../pool/backend-pool.ts';
import type { HealthTransition, RouterState, StateView } from '../state/router-state.ts';
import { retireBackends } from './backend-registration.ts';
import type { LiveConfig } from './live-config.ts';

export type HealthListener = (change: HealthTransition, backend: Backend | undefined) => void;

export interface Readiness {
  readonly ready: boolean;
  readonly reason: string;
}

export interface HealthRoundsDeps {
  readonly live: LiveConfig;
  readonly pool: BackendPool;
  readonly state: RouterState;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly log: Logger;
  /** True once shutdown began: a probe cut short by it says nothing about its backend. */
  readonly draining: () => boolean;
  /**
   * Health rounds run outside this router (on Workers a cron or alarm in another isolate writes the
   * shared state), so the first round counts as done once the state holds any probe result.
   */
  readonly sharedRounds: boolean;
}

/** Active probing (SPEC §6): rounds, the first round that decides /ready, and health-change events. */
export class HealthRounds {
  readonly #deps: HealthRoundsDeps;
  readonly #listeners = new Set<HealthListener>();
  #firstRoundDone = false;

  constructor(deps: HealthRoundsDeps) {
    this.#deps = deps;
  }

  get firstRoundDone(): boolean {
    return this.#firstRoundDone;
  }

  onChange(listener: HealthListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Log a transition and tell the listeners (probe results and passive ejections alike). */
  emit(change: HealthTransition): void {
    const backend = this.#deps.pool.snapshot.get(change.id);
    const fields = { backend: change.id, cause: change.cause, reason: change.reason };
    if (change.healthy) this.#deps.log.info('backend healthy', fields);
    else this.#deps.log.warn('backend unhealthy', fields);
    for (const listener of this.#listeners) listener(change, backend);
  }

  /** Probe the given backends (default: all) with bounded concurrency and apply the results. */
  async probe(backends: readonly Backend[] = this.#deps.pool.snapshot.backends): Promise<void> {
    const { live, transport, state, clock } = this.#deps;
    const hc = live.config.health_check;
    await mapLimit(backends, hc.max_concurrency, async (backend) => {
      const result = await probeBackend(transport, backend, hc.timeout * 1000, hc.verify_model);
      if (this.#deps.draining()) return;
      const change = await state.applyProbe({
        model: backend.modelName,
        id: backend.id,
        ok: result.ok,
        reason: result.reason,
        now: clock.now(),
        policy: live.settings.statePolicy,
      });
      if (change) this.emit(change);
    });
  }

  /**
   * One scheduled round. After the first one, `prune_unhealthy_on_start` drops the backends that failed
   * it from the live pool (never from the user's files), named in one warning.
   */
  async runRound(): Promise<void> {
    await this.probe();
    if (this.#firstRoundDone) return;
    this.#firstRoundDone = true;
    const { live, log } = this.#deps;
    if (live.config.health_check.prune_unhealthy_on_start) {
      const pruned = await this.#pruneUnhealthy();
      if (pruned.length > 0)
        log.warn('pruned backends that failed the first health check (config files unchanged)', {
          backends: pruned.join(', '),
        });
    }
    log.info('first health round finished', { ready: (await this.readiness()).reason });
  }

  async readiness(): Promise<Readiness> {
    if (this.#deps.draining()) return { ready: false, reason: 'shutting down' };
    const notYet: Readiness = { ready: false, reason: 'first health check round has not finished' };
    if (!this.#firstRoundDone && !this.#deps.sharedRounds) return notYet;
    const view = await this.#view();
    const ids = new Set(this.#deps.pool.snapshot.backends.map((backend) => backend.id));
    const known = view.backends.filter((backend) => ids.has(backend.id));
    if (!this.#firstRoundDone && !known.some((backend) => backend.probed)) return notYet;
    const healthy = known.filter((backend) => backend.healthy).length;
    if (healthy === 0) return { ready: false, reason: 'no healthy backends' };
    return { ready: true, reason: `${healthy} healthy backend(s)` };
  }

  async #pruneUnhealthy(): Promise<string[]> {
    const { pool, state } = this.#deps;
    const view = await this.#view();
    const down = new Set(view.backends.filter((b) => b.probed && !b.healthy).map((b) => b.id));
    const pruned = pool.snapshot.backends.filter((b) => down.has(b.id));
    if (pruned.length === 0) return [];
    pool.prune(down);
    await retireBackends(state, pruned);
    return pruned.map((b) => b.id);
  }

  #view(): Promise<StateView> {
    return Promise.resolve(this.#deps.state.view(this.#deps.clock.now()));
  }
}

import type { MainConfig } from '../config/main-config-schema.ts';
import type { SecretSource } from '../config/resolve-secret.ts';
import type { Clock } from '../core/clock.ts';
import { ClientGoneError, type DispatchContext, dispatch } from '../core/dispatch.ts';
import type { DispatchSettings } from '../core/dispatch-settings.ts';
import type { Logger } from '../core/logger.ts';
import { mapLimit } from '../core/map-limit.ts';
import type { ProxyRequest, ProxyResponse } from '../core/proxy-exchange.ts';
import type { Random } from '../core/random.ts';
import { RouterError, routerErrors } from '../core/router-error.ts';
import type { Transport } from '../core/transport.ts';
import { probeBackend } from '../health/probe-backend.ts';
import { type DashboardData, dashboardData, type SystemInfo } from '../metrics/dashboard-data.ts';
import { HistoryRing, type HistorySample } from '../metrics/history-ring.ts';
import { scrapeEngine } from '../metrics/scrape-engine.ts';
import { ScrapeSchedule } from '../metrics/scrape-schedule.ts';
import { scrapeTimeoutMs } from '../metrics/scrape-timing.ts';
import type { Backend } from '../pool/backend.ts';
import { BackendPool, type PoolChange } from '../pool/backend-pool.ts';
import type { HealthTransition, RouterState, StateView } from '../state/router-state.ts';
import { dispatchSettingsFrom } from './dispatch-settings-from.ts';
import { type InboundAuth, resolveInboundAuth } from './resolve-inbound-auth.ts';

export interface LlmRouterDeps {
  readonly config: MainConfig;
  readonly state: RouterState;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly random: Random;
  readonly log: Logger;
  /** Resolves `os.environ/NAME` in server.api_keys: process env on Node, bindings on Workers. */
  readonly secrets: SecretSource;
  /** Names config.yaml in the ConfigError an unresolvable inbound key raises; default `config.yaml`. */
  readonly configFile?: string;
  /** Memory and runtime facts for the dashboard. */
  readonly systemInfo: () => SystemInfo;
  /**
   * Health rounds run outside this instance (on Workers: a cron or alarm in another isolate writes the
   * shared state), so the first round counts as done once the state holds any probe result.
   */
  readonly sharedRounds?: boolean;
  /** How often a request waiting on saturated backends asks the state again (default 20 ms). */
  readonly saturationPollMs?: number;
}

export interface Readiness {
  readonly ready: boolean;
  readonly reason: string;
}

export type HealthListener = (change: HealthTransition, backend: Backend | undefined) => void;

/**
 * The routing core as one object: the pool, live settings, the attempt loop, probing. Adapters give it
 * a state, a transport, a clock and a schedule; it never touches a runtime API itself.
 */
export class LlmRouter {
  readonly pool: BackendPool;
  readonly #deps: LlmRouterDeps;
  #config: MainConfig;
  #settings: DispatchSettings;
  #auth: InboundAuth;
  #inflight = 0;
  #firstRoundDone = false;
  #draining = false;
  readonly #listeners = new Set<HealthListener>();
  readonly #startedAt: number;
  readonly #scrapes = new ScrapeSchedule();
  readonly #history = new HistoryRing();
  readonly #configErrors = new Map<string, { message: string; at: number }>();

  constructor(deps: LlmRouterDeps) {
    this.#deps = deps;
    this.#config = deps.config;
    this.#settings = dispatchSettingsFrom(deps.config, deps.saturationPollMs);
    this.#auth = resolveInboundAuth(deps.config, deps.secrets, deps.configFile ?? 'config.yaml');
    this.#startedAt = deps.clock.now();
    this.pool = new BackendPool(() => Math.floor(deps.clock.now() / 1000));
  }

  get config(): MainConfig {
    return this.#config;
  }

  get startedAt(): number {
    return this.#startedAt;
  }

  get inflight(): number {
    return this.#inflight;
  }

  /**
   * Apply the live-changeable settings of a reloaded config.yaml. Throws ConfigError (an inbound key names
   * an unset variable) before changing anything, so the previous config keeps running whole.
   */
  updateConfig(config: MainConfig): void {
    const auth = resolveInboundAuth(config, this.#deps.secrets, this.#deps.configFile ?? 'config.yaml');
    this.#config = config;
    this.#settings = dispatchSettingsFrom(config, this.#deps.saturationPollMs);
    this.#auth = auth;
  }

  /** Inbound auth for /v1/*: true when no keys are configured or the Bearer key matches one. */
  authorize(authorization: string | undefined): boolean {
    const check = this.#auth.api;
    return check === null || check(authorization);
  }

  /** Auth for the dashboard, /api/* and /metrics: dashboard.auth keys, else the API keys. */
  authorizeDashboard(authorization: string | undefined): boolean {
    const check = this.#auth.dashboard;
    return check === null || check(authorization);
  }

  /** `/v1/models`: every configured model, healthy or not, sorted, `created` stable per model. */
  listModels(): {
    object: 'list';
    data: { id: string; object: 'model'; created: number; owned_by: string }[];
  } {
    return {
      object: 'list',
      data: this.pool.snapshot.models.map((id) => ({
        id,
        object: 'model',
        created: this.pool.modelCreated(id),
        owned_by: 'llm-router',
      })),
    };
  }

  onHealthChange(listener: HealthListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Replace one backend file's entries. `healthyUntilProbed`: at startup backends take traffic at once
   * (the first probe round runs in the background); backends added by a reload wait for a passing probe.
   */
  async applyBackendFile(
    file: string,
    backends: readonly Backend[] | null,
    healthyUntilProbed: boolean,
  ): Promise<PoolChange> {
    const { state } = this.#deps;
    const register = async (added: readonly Backend[]) => {
      for (const [model, list] of groupByModel(added)) {
        await state.register(
          model,
          list.map((backend) => ({ id: backend.id, healthy: healthyUntilProbed })),
        );
      }
    };
    // Register before the swap: a request that sees the new snapshot must find its new backends known
    // (and, on reload, unhealthy until probed). A Durable Object answers register asynchronously, and
    // the state takes an id it has never seen for healthy.
    const planned = new Set(this.pool.preview(file, backends).added);
    await register([...planned]);
    const change = this.pool.replaceFile(file, backends);
    // Only when another change landed while registering.
    await register(change.added.filter((backend) => !planned.has(backend)));
    for (const [model, list] of groupByModel(change.removed)) {
      await state.retire(
        model,
        list.map((backend) => backend.id),
      );
    }
    if (!healthyUntilProbed && change.added.length > 0) await this.probe(change.added);
    return change;
  }

  /** A config file failed to load or validate: the previous version keeps running; shown on the dashboard. */
  reportConfigError(file: string, message: string): void {
    this.#configErrors.set(file, { message, at: this.#deps.clock.now() });
    this.#deps.log.error('config rejected, previous version keeps running', { file, error: message });
  }

  clearConfigError(file: string): void {
    this.#configErrors.delete(file);
  }

  configErrors(): { file: string; message: string; at: string }[] {
    return [...this.#configErrors].map(([file, e]) => ({
      file,
      message: e.message,
      at: new Date(e.at).toISOString(),
    }));
  }

  /**
   * prune_unhealthy_on_start: drop backends that failed the first round from the live pool (never from
   * the user's files) and return their ids for one warning.
   */
  async pruneUnhealthy(): Promise<string[]> {
    const view = await this.view();
    const down = new Set(view.backends.filter((b) => b.probed && !b.healthy).map((b) => b.id));
    const pruned = this.pool.snapshot.backends.filter((b) => down.has(b.id));
    if (pruned.length === 0) return [];
    this.pool.prune(down);
    for (const [model, list] of groupByModel(pruned)) {
      await this.#deps.state.retire(
        model,
        list.map((b) => b.id),
      );
    }
    return pruned.map((b) => b.id);
  }

  /** Forward one client request; errors are RouterError (rendered by the app) or ClientGoneError. */
  async proxy(request: ProxyRequest): Promise<ProxyResponse> {
    const { state, clock } = this.#deps;
    const started = clock.now();
    if (this.#draining) throw routerErrors.shuttingDown();
    const limit = this.#config.server.max_inflight;
    if (limit > 0 && this.#inflight >= limit) {
      await state.recordRequest({
        model: '',
        outcome: 'rejected',
        status: 503,
        latencyMs: 0,
        ttftMs: null,
        attempts: 0,
      });
      throw routerErrors.overloaded(1);
    }
    this.#inflight++;
    let handedOff = false;
    try {
      const response = await dispatch(request, this.#dispatchContext());
      // From here the relay's end calls #responseEnded (router-level in-flight lasts to the last byte).
      handedOff = true;
      return response;
    } catch (error) {
      const status = error instanceof RouterError ? error.status : 499;
      const outcome =
        error instanceof ClientGoneError ? 'client-gone' : status >= 500 ? 'failure' : 'rejected';
      await state.recordRequest({
        model: '',
        outcome,
        status,
        latencyMs: clock.now() - started,
        ttftMs: null,
        attempts: 0,
      });
      throw error;
    } finally {
      if (!handedOff) this.#inflight--;
    }
  }

  /** Stop admitting new requests (SIGTERM); in-flight ones continue. */
  startDraining(): void {
    this.#draining = true;
  }

  /** Probe the given backends (default: all) with bounded concurrency and apply the results. */
  async probe(backends: readonly Backend[] = this.pool.snapshot.backends): Promise<void> {
    const { health_check: hc } = this.#config;
    const { transport, state, clock } = this.#deps;
    await mapLimit(backends, hc.max_concurrency, async (backend) => {
      const result = await probeBackend(transport, backend, hc.timeout * 1000, hc.verify_model);
      // A probe cut short by shutdown says nothing about the backend: no state change, no alert.
      if (this.#draining) return;
      const change = await state.applyProbe({
        model: backend.modelName,
        id: backend.id,
        ok: result.ok,
        reason: result.reason,
        now: clock.now(),
        failureThreshold: hc.failure_threshold,
        recoveryThreshold: hc.recovery_threshold,
      });
      if (change) this.#emit(change);
    });
  }

  /** One scheduled health round; the first one decides /ready. */
  async runHealthRound(): Promise<void> {
    await this.probe();
    this.#firstRoundDone = true;
  }

  /**
   * One engine-metrics round (SPEC §8): healthy backends that expose /metrics, bounded concurrency,
   * back-off after 404 (10 minutes) and errors (from one period, doubling, up to a minute). A failed scrape clears the load so least-waiting
   * falls back to local counts instead of trusting an old queue.
   */
  async scrapeRound(): Promise<void> {
    const { transport, state, clock } = this.#deps;
    const now = clock.now();
    const view = await this.view();
    const healthy = new Set(view.backends.filter((b) => b.healthy).map((b) => b.id));
    const due = this.pool.snapshot.backends.filter(
      (backend) => backend.scrapeMetrics && healthy.has(backend.id) && this.#scrapes.due(backend.id, now),
    );
    const timeoutMs = scrapeTimeoutMs(this.#config);
    await mapLimit(due, this.#config.health_check.max_concurrency, async (backend) => {
      const result = await scrapeEngine(transport, backend, timeoutMs);
      const at = clock.now();
      switch (result.kind) {
        case 'ok':
          this.#scrapes.succeeded(backend.id);
          await state.applyLoad(backend.modelName, backend.id, result.load, at);
          return;
        case 'absent':
          this.#scrapes.absent(backend.id, at);
          this.#deps.log.info('backend has no /metrics; least-waiting uses local counts for it', {
            backend: backend.id,
            status: result.status,
          });
          await state.applyLoad(backend.modelName, backend.id, null, at);
          return;
        case 'error':
          this.#scrapes.failed(backend.id, at, this.#config.monitor.collect_interval * 1000);
          this.#deps.log.debug('metrics scrape failed', { backend: backend.id, reason: result.message });
          await state.applyLoad(backend.modelName, backend.id, null, at);
          return;
      }
    });
  }

  async readiness(): Promise<Readiness> {
    if (this.#draining) return { ready: false, reason: 'shutting down' };
    const notYet: Readiness = { ready: false, reason: 'first health check round has not finished' };
    if (!this.#firstRoundDone && !this.#deps.sharedRounds) return notYet;
    const view = await this.view();
    const ids = new Set(this.pool.snapshot.backends.map((backend) => backend.id));
    if (!this.#firstRoundDone && !view.backends.some((backend) => ids.has(backend.id) && backend.probed))
      return notYet;
    const healthy = view.backends.filter((backend) => ids.has(backend.id) && backend.healthy).length;
    if (healthy === 0) return { ready: false, reason: 'no healthy backends' };
    return { ready: true, reason: `${healthy} healthy backend(s)` };
  }

  /** `GET /api/dashboard`. */
  async dashboard(): Promise<DashboardData & { config_errors: ReturnType<LlmRouter['configErrors']> }> {
    const data = dashboardData({
      view: await this.view(),
      snapshot: this.pool.snapshot,
      now: this.#deps.clock.now(),
      startedAt: this.#startedAt,
      strategy: this.#config.routing.strategy,
      system: this.#deps.systemInfo(),
    });
    return { ...data, config_errors: this.configErrors() };
  }

  /** Take one `/api/history` sample (the adapter calls this about once a second). */
  async sampleHistory(): Promise<void> {
    this.#history.add(await this.dashboard());
  }

  history(): readonly HistorySample[] {
    return this.#history.samples();
  }

  view(): Promise<StateView> {
    return Promise.resolve(this.#deps.state.view(this.#deps.clock.now()));
  }

  #dispatchContext(): DispatchContext {
    const { state, transport, clock, random, log } = this.#deps;
    return {
      snapshot: this.pool.snapshot,
      settings: this.#settings,
      state,
      transport,
      clock,
      random,
      log,
      onHealthChange: (change) => this.#emit(change),
      onResponseEnd: this.#responseEnded,
    };
  }

  readonly #responseEnded = (): void => {
    this.#inflight--;
  };

  #emit(change: HealthTransition): void {
    const backend = this.pool.snapshot.get(change.id);
    const fields = { backend: change.id, cause: change.cause, reason: change.reason };
    if (change.healthy) this.#deps.log.info('backend healthy', fields);
    else this.#deps.log.warn('backend unhealthy', fields);
    for (const listener of this.#listeners) listener(change, backend);
  }
}

function groupByModel(backends: readonly Backend[]): Map<string, Backend[]> {
  const groups = new Map<string, Backend[]>();
  for (const backend of backends) {
    const list = groups.get(backend.modelName);
    if (list) list.push(backend);
    else groups.set(backend.modelName, [backend]);
  }
  return groups;
}

import type { MainConfig } from '../config/main-config-schema.ts';
import type { ProxyRequest, ProxyResponse } from '../core/proxy-exchange.ts';
import type { RouterError } from '../core/router-error.ts';
import type { NoticeHub } from '../notify/notice-hub.ts';
import type { Backend } from '../pool/backend.ts';
import type { PoolChange } from '../pool/backend-pool.ts';
import type { PoolSnapshot } from '../pool/pool-snapshot.ts';
import type { HealthTransition, StateView } from '../state/router-state.ts';
import type { AdmissionTicket } from './admitted-dispatch.ts';
import type { Background } from './background.ts';
import { browserRefusal, type GuardScope, type HeaderLookup } from './browser-guard.ts';
import type { ConfigStatus } from './config-status.ts';
import type { FrontDoorRouter } from './front-door.ts';
import type { HealthListener, Readiness } from './health-rounds.ts';
import { type ModelObject, modelList, modelObject } from './model-list.ts';
import { assembleRouter, type LlmRouterDeps, type RouterParts } from './router-parts.ts';
import type { HistoryPayload, RouterDashboard } from './router-views.ts';

/** What adapters may do with a router's webhook notices (background work runs them otherwise). */
export type NoticeDesk = Pick<NoticeHub, 'offer' | 'nextDueAt' | 'flush'>;

/**
 * The routing core as adapters see it: one facade over the pool, live config, admission, health and
 * scrape rounds, and the views (router-parts.ts wires them). Adapters give it a state, a transport, a
 * clock, and a scheduler that calls `background.runDue()`; nothing reaches past it.
 */
export class LlmRouter implements FrontDoorRouter {
  readonly #parts: RouterParts;

  constructor(deps: LlmRouterDeps) {
    this.#parts = assembleRouter(deps);
  }

  get background(): Background {
    return this.#parts.background;
  }

  /** Config files that failed to load (the previous version keeps running); shown on the dashboard. */
  get configStatus(): ConfigStatus {
    return this.#parts.configStatus;
  }

  get config(): MainConfig {
    return this.#parts.live.config;
  }

  get snapshot(): PoolSnapshot {
    return this.#parts.pool.snapshot;
  }

  /** Backend files currently applied. */
  get backendFiles(): readonly string[] {
    return this.#parts.pool.files;
  }

  /** Client requests open right now (a stream counts until its last byte). */
  get inflight(): number {
    return this.#parts.admission.inflight;
  }

  /** Apply a reloaded config.yaml's live settings; throws ConfigError before changing anything. */
  updateConfig(config: MainConfig): void {
    this.#parts.live.update(config);
  }

  /** Inbound auth for /v1/*: true when no keys are configured or the Bearer key matches one. */
  authorize(authorization: string | undefined): boolean {
    return this.#parts.live.auth.api?.(authorization) ?? true;
  }

  /** What a browser may not ask of this router (browser-guard.ts); null when the request may proceed. */
  browserRefusal(header: HeaderLookup, method: string, scope: GuardScope): RouterError | null {
    return browserRefusal(header, method, scope, this.#parts.live.guard);
  }

  /** Auth for the dashboard, /api/* and /metrics: dashboard.auth keys, else the API keys. */
  authorizeDashboard(authorization: string | undefined): boolean {
    return this.#parts.live.auth.dashboard?.(authorization) ?? true;
  }

  maxBodyBytes(): number {
    return this.#parts.live.config.server.max_body_mb * 1024 * 1024;
  }

  listModels(): { object: 'list'; data: ModelObject[] } {
    return modelList(this.#parts.pool);
  }

  model(id: string): ModelObject | null {
    return modelObject(this.#parts.pool, id);
  }

  onHealthChange(listener: HealthListener): () => void {
    return this.#parts.health.onChange(listener);
  }

  /** Webhook notices: offered by other instances (Workers' notifier object), flushed at shutdown. */
  get notices(): NoticeDesk {
    return this.#parts.notices;
  }

  /** Replace one backend file's entries (apply-backend-file.ts). */
  applyBackendFile(
    file: string,
    list: readonly Backend[] | null,
    healthyUntilProbed: boolean,
  ): Promise<PoolChange> {
    return this.#parts.applyBackendFile(file, list, healthyUntilProbed);
  }

  /**
   * A health change another process caused in the state this router owns (a cluster worker's release):
   * logged and told to the listeners (webhooks, the probe after a passive ejection) as if seen here.
   */
  observeHealthChange(change: HealthTransition): void {
    this.#parts.health.emit(change);
  }

  /**
   * Take a `server.max_inflight` slot for a request whose body is about to be read (the front door does
   * this before reading); throws the 503 RouterError when full or draining.
   */
  admit(): AdmissionTicket {
    return this.#parts.admit();
  }

  /** Admit and forward one client request whose body is in hand (tests, tools). */
  proxy(request: ProxyRequest): Promise<ProxyResponse> {
    return this.admit().dispatch(request);
  }

  /** Stop admitting new requests (SIGTERM); in-flight ones continue. */
  startDraining(): void {
    this.#parts.admission.startDraining();
  }

  /** Probe the given backends (default: all) now, outside the schedule. */
  probe(backends?: readonly Backend[]): Promise<void> {
    return this.#parts.health.probe(backends);
  }

  readiness(): Promise<Readiness> {
    return this.#parts.health.readiness();
  }

  dashboard(): Promise<RouterDashboard> {
    return this.#parts.views.dashboard();
  }

  history(): HistoryPayload {
    return this.#parts.views.history();
  }

  metricsText(): Promise<string> {
    return this.#parts.views.metricsText();
  }

  view(): Promise<StateView> {
    return this.#parts.views.view();
  }
}

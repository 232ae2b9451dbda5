import type { Clock } from '../core/clock.ts';
import { type DashboardData, dashboardData, type SystemInfo } from '../metrics/dashboard-data.ts';
import { HistoryRing, type HistorySample } from '../metrics/history-ring.ts';
import { renderRouterMetrics } from '../metrics/render-router-metrics.ts';
import type { BackendPool } from '../pool/backend-pool.ts';
import type { RouterState, StateView } from '../state/router-state.ts';
import type { ConfigProblem, ConfigStatus } from './config-status.ts';
import type { LiveConfig } from './live-config.ts';

export interface RouterViewsDeps {
  readonly live: LiveConfig;
  readonly pool: BackendPool;
  readonly state: RouterState;
  readonly clock: Clock;
  readonly configStatus: ConfigStatus;
  /** Memory and runtime facts for the dashboard. */
  readonly systemInfo: () => SystemInfo;
  /** Client requests open on this router right now. */
  readonly inflight: () => number;
  readonly startedAt: number;
}

export type RouterDashboard = DashboardData & { config_errors: ConfigProblem[] };

/** `GET /api/history`: the samples, and how often the charts page should poll. */
export interface HistoryPayload {
  readonly samples: readonly HistorySample[];
  readonly refresh_interval_ms: number;
}

/** What the router shows about itself: `/api/dashboard`, `/api/history` and its own `/metrics`. */
export class RouterViews {
  readonly #deps: RouterViewsDeps;
  readonly #history = new HistoryRing();

  constructor(deps: RouterViewsDeps) {
    this.#deps = deps;
  }

  view(): Promise<StateView> {
    return Promise.resolve(this.#deps.state.view(this.#deps.clock.now()));
  }

  async dashboard(): Promise<RouterDashboard> {
    const { live, pool, clock, configStatus, startedAt } = this.#deps;
    const data = dashboardData({
      view: await this.view(),
      snapshot: pool.snapshot,
      now: clock.now(),
      wallNow: clock.wallTime(),
      startedAt,
      strategy: live.config.routing.strategy,
      system: this.#deps.systemInfo(),
      refreshIntervalMs: live.config.dashboard.refresh_interval * 1000,
      inflight: this.#deps.inflight(),
    });
    return { ...data, config_errors: configStatus.list() };
  }

  async metricsText(): Promise<string> {
    return renderRouterMetrics(
      await this.view(),
      this.#deps.pool.snapshot,
      this.#deps.inflight(),
      this.#deps.clock.now(),
    );
  }

  /** Take one `/api/history` sample (background work, about once a second). */
  async sampleHistory(): Promise<void> {
    this.#history.add(await this.dashboard());
  }

  /** `/api/history` as this router sampled it. */
  history(): HistoryPayload {
    return {
      samples: this.#history.samples(),
      refresh_interval_ms: this.#deps.live.config.dashboard.refresh_interval * 1000,
    };
  }
}

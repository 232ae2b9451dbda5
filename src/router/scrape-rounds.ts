import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { mapLimit } from '../core/map-limit.ts';
import type { Transport } from '../core/transport.ts';
import { scrapeEngine } from '../metrics/scrape-engine.ts';
import { ScrapeSchedule } from '../metrics/scrape-schedule.ts';
import { scrapeTimeoutMs } from '../metrics/scrape-timing.ts';
import type { BackendPool } from '../pool/backend-pool.ts';
import type { RouterState } from '../state/router-state.ts';
import type { LiveConfig } from './live-config.ts';

export interface ScrapeRoundsDeps {
  readonly live: LiveConfig;
  readonly pool: BackendPool;
  readonly state: RouterState;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly log: Logger;
}

/**
 * Engine-metrics rounds (SPEC §8): healthy backends that expose /metrics, bounded concurrency, back-off
 * after 404 (10 minutes) and errors (from one period, doubling, up to a minute). A failed scrape clears
 * the load so least-waiting falls back to local counts instead of trusting an old queue.
 */
export class ScrapeRounds {
  readonly #deps: ScrapeRoundsDeps;
  readonly #schedule = new ScrapeSchedule();

  constructor(deps: ScrapeRoundsDeps) {
    this.#deps = deps;
  }

  async runRound(): Promise<void> {
    const { live, pool, transport, state, clock, log } = this.#deps;
    const now = clock.now();
    const view = await state.view(now);
    const healthy = new Set(view.backends.filter((b) => b.healthy).map((b) => b.id));
    const due = pool.snapshot.backends.filter(
      (backend) => backend.scrapeMetrics && healthy.has(backend.id) && this.#schedule.due(backend.id, now),
    );
    const config = live.config;
    const timeoutMs = scrapeTimeoutMs(config);
    await mapLimit(due, config.health_check.max_concurrency, async (backend) => {
      const result = await scrapeEngine(transport, backend, timeoutMs);
      const at = clock.now();
      switch (result.kind) {
        case 'ok':
          this.#schedule.succeeded(backend.id);
          await state.applyLoad(backend.modelName, backend.id, result.load, at);
          return;
        case 'absent':
          this.#schedule.absent(backend.id, at);
          log.info('backend has no /metrics; least-waiting uses local counts for it', {
            backend: backend.id,
            status: result.status,
          });
          await state.applyLoad(backend.modelName, backend.id, null, at);
          return;
        case 'error':
          this.#schedule.failed(backend.id, at, config.monitor.collect_interval * 1000);
          log.debug('metrics scrape failed', { backend: backend.id, reason: result.message });
          await state.applyLoad(backend.modelName, backend.id, null, at);
          return;
      }
    });
  }
}

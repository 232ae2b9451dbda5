import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { Random } from '../core/random.ts';
import type { Transport } from '../core/transport.ts';
import type { NoticeHub, NoticeOptions } from '../notify/notice-hub.ts';
import { Notifier } from '../notify/notifier.ts';
import { RemoteNoticeHub } from '../notify/remote-notice-hub.ts';
import type { BackendPool } from '../pool/backend-pool.ts';
import type { HealthRounds } from './health-rounds.ts';
import type { LiveConfig } from './live-config.ts';
import type { RouterViews } from './router-views.ts';

export interface RouterNoticesDeps {
  readonly live: LiveConfig;
  readonly pool: BackendPool;
  readonly health: HealthRounds;
  readonly views: RouterViews;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly random: Random;
  readonly log: Logger;
  readonly options: NoticeOptions;
}

/**
 * The router's notice hub (a notifier in this instance, or a forwarder to the shared one), fed with
 * every health change and told that this router started. Config rejections arrive from ConfigStatus.
 */
export function routerNotices(deps: RouterNoticesDeps): NoticeHub {
  const { live, pool, options, clock, log } = deps;
  const notices: NoticeHub = options.channel
    ? new RemoteNoticeHub(options.channel, () => live.notify !== null, log)
    : new Notifier({
        settings: () => live.notify,
        transport: deps.transport,
        clock,
        random: deps.random,
        log,
        view: () => deps.views.view(),
        snapshot: () => pool.snapshot,
        ...(options.store ? { store: options.store } : {}),
        ...(options.tuning ? { tuning: options.tuning } : {}),
      });
  deps.health.onChange((change, backend) => {
    // A backend removed from config meanwhile is nobody's concern any more.
    if (!backend) return;
    const { id, healthy, cause, reason, at } = change;
    notices.offer({
      kind: 'health',
      id,
      model: backend.modelName,
      apiBase: backend.apiBase,
      healthy,
      cause,
      reason,
      at,
    });
  });
  notices.offer({ kind: 'started', version: options.version ?? 'local', at: clock.now() });
  return notices;
}

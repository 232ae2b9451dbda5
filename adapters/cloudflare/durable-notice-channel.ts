import type { Notice, NoticeChannel } from '../../src/index.ts';
import type { NotifierObject } from './notifier-object.ts';
import { keepAlive } from './request-scope.ts';

/** The one notifier object's name: batching, cooldowns and report schedules for the whole deployment. */
export const NOTIFIER_NAME = 'notifier';

/**
 * Notices to the notifier object over RPC. The call is kept alive by the request that caused it (a
 * passive ejection on the routing path) through waitUntil, and never awaited there; cron and alarm
 * callers wait for it through `background.settled()`.
 */
export function durableNoticeChannel(namespace: DurableObjectNamespace<NotifierObject>): NoticeChannel {
  let id: DurableObjectId | undefined;
  return {
    offer(notices: readonly Notice[]) {
      id ??= namespace.idFromName(NOTIFIER_NAME);
      // A stub per call: I/O objects belong to the request that made them.
      const sent = namespace.get(id).offer([...notices]);
      keepAlive(sent);
      return sent;
    },
  };
}

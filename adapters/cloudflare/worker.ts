import { BACKGROUND_TASKS, ConfigError, errorResponse, RouterError } from '../../src/index.ts';
import { dueOnCron, runsOnAlarm } from './cadence.ts';
import { NOTIFIER_NAME } from './durable-notice-channel.ts';
import type { WorkerEnv } from './env.ts';
import { isolateRouter } from './isolate-router.ts';
import { RequestScope } from './request-scope.ts';
import { schedulerOf } from './scheduler-stub.ts';
import { trackResponse } from './track-response.ts';

export { BackgroundScheduler } from './background-scheduler.ts';
export { NotifierObject } from './notifier-object.ts';
export { RouterStateObject } from './router-state-object.ts';

/** The Worker: the same Hono app the Node service serves, over Durable Object state and the global fetch. */
export default {
  async fetch(request, env, ctx) {
    let isolate: Awaited<ReturnType<typeof isolateRouter>>;
    try {
      isolate = await isolateRouter(env);
    } catch (error) {
      return startupFailure(error);
    }
    const path = new URL(request.url).pathname;
    if (isolate.refusal && path !== '/health') return errorResponse(isolate.refusal);
    const scope = new RequestScope((promise) => ctx.waitUntil(promise), isolate.lingerMs);
    let response: Response;
    try {
      response = await scope.run(() => isolate.app.fetch(request));
    } catch (error) {
      // No body will ever end, so nothing else would let the scope's waitUntil settle.
      scope.responseDone();
      throw error;
    }
    return trackResponse(response, request.signal, scope, isolate.stallMs);
  },

  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runCronTick(env, controller.scheduledTime));
  },
} satisfies ExportedHandler<WorkerEnv>;

/** Minute-or-longer rounds run here; sub-minute ones belong to the scheduler object, re-armed each tick. */
async function runCronTick(env: WorkerEnv, scheduledTime: number): Promise<void> {
  const { router } = await isolateRouter(env);
  const { background } = router;
  const work: Promise<void>[] = [];
  for (const task of BACKGROUND_TASKS) {
    const periodMs = background.periodMs(task);
    if (dueOnCron(task, periodMs, scheduledTime)) work.push(background.runNow(task));
  }
  if (BACKGROUND_TASKS.some((task) => runsOnAlarm(task, background.periodMs(task)))) {
    work.push(schedulerOf(env).ensureArmed());
  }
  // The notifier's alarm carries the report schedule; this restarts it should it ever stop.
  if (router.config.webhook.enabled)
    work.push(env.NOTIFIER.get(env.NOTIFIER.idFromName(NOTIFIER_NAME)).ensureArmed());
  // Health changes this tick's rounds found reach the notifier before the tick ends.
  work.push(background.settled());
  const failed = (await Promise.allSettled(work)).filter((result) => result.status === 'rejected');
  if (failed.length > 0)
    throw new AggregateError(
      failed.map((result) => result.reason),
      'cron tick failed',
    );
}

/**
 * A config that does not load (e.g. a secret it names is missing) answers every request with a 503 that
 * says only that, to whoever asks: the reason names secrets and config keys, which unauthenticated
 * clients have no business reading (and no key can be checked without a config). The reason goes to the
 * Worker's log (`wrangler tail`), where the operator looks.
 */
function startupFailure(error: unknown): Response {
  const reason =
    error instanceof ConfigError
      ? `invalid configuration: ${error.message}`
      : `router failed to start: ${error instanceof Error ? error.message : String(error)}`;
  console.error(JSON.stringify({ level: 'error', msg: reason }));
  return errorResponse(
    new RouterError(
      503,
      'server_error',
      'invalid_config',
      'router is not configured correctly; the reason is in the Worker log',
      { 'retry-after': '60' },
    ),
  );
}

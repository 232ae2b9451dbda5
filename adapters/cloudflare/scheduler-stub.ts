import type { BackgroundScheduler } from './background-scheduler.ts';
import type { WorkerEnv } from './env.ts';

/** The one scheduler object's name: a single alarm loop per deployment, however many isolates serve. */
export const SCHEDULER_NAME = 'background';

/** A stub of the scheduler object, made per call: a stub belongs to the request that created it. */
export function schedulerOf(env: WorkerEnv): DurableObjectStub<BackgroundScheduler> {
  return env.SCHEDULER.get(env.SCHEDULER.idFromName(SCHEDULER_NAME));
}

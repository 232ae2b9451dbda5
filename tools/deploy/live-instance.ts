import type { ManifestInstance } from './deploy-manifest.ts';
import type { UpOptions } from './deploy-options.ts';
import { apiBaseOf, type PlannedInstance } from './instance-plan.ts';

export type InstanceState = 'starting' | 'ready' | 'failed' | 'timeout' | 'interrupted';

/** One engine while `up` runs: launched (maybe twice, after a port clash), then ready or not. */
export interface LiveInstance {
  readonly plan: PlannedInstance;
  port: number;
  /** File name stem on the node (instanceName). */
  name: string;
  deployId: string;
  command: string[];
  pid: number | null;
  /** Absolute path on the node. */
  log: string | null;
  /** Monotonic ms of the (last) launch, for "ready in". */
  launchedAt: number;
  startedAtIso: string;
  state: InstanceState;
  readySeconds: number | null;
  restarts: number;
  /** Why it is not ready (failed, timed out). */
  problem: string | null;
  /** Last lines of its log when it failed. */
  logTail: string | null;
}

export function apiBaseOfInstance(instance: LiveInstance): string {
  return apiBaseOf(instance.plan.host, instance.port);
}

/** `host:port` for messages. */
export function where(instance: LiveInstance): string {
  return `${instance.plan.host}:${instance.port}`;
}

export function toManifestInstance(instance: LiveInstance, options: UpOptions): ManifestInstance {
  return {
    host: instance.plan.host,
    port: instance.port,
    pid: instance.pid ?? 0,
    deploy_id: instance.deployId,
    gpus: instance.plan.gpus,
    log: instance.log ?? '',
    backend: options.backend,
    served_model_name: options.servedName,
    api_base: apiBaseOfInstance(instance),
    command: instance.command,
    env_keys: options.env.map((assignment) => assignment.slice(0, assignment.indexOf('='))),
    started_at: instance.startedAtIso,
    status: instance.state === 'ready' ? 'ready' : 'starting',
    ready_seconds: instance.readySeconds,
  };
}

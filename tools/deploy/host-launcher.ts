import { randomBytes } from 'node:crypto';
import { printable } from '../cli/index.ts';
import type { UpOptions } from './deploy-options.ts';
import { engineCommand } from './engine-command.ts';
import { pickPorts, portsInUse } from './free-ports.ts';
import { instanceName, type PlannedInstance } from './instance-plan.ts';
import type { LiveInstance } from './live-instance.ts';
import { launchScript, parseLaunched, portsScript, type RemoteScript } from './remote-scripts.ts';
import type { RemoteResult, RemoteShell } from './remote-shell.ts';

export interface LaunchContext {
  readonly shell: RemoteShell;
  readonly options: UpOptions;
  /** Monotonic ms. */
  readonly now: () => number;
}

/** Time one ssh call may take beyond connecting: the programs themselves return in well under a second. */
const CALL_MS = 30_000;

export function runRemote(ctx: LaunchContext, host: string, script: RemoteScript): Promise<RemoteResult> {
  return ctx.shell.run(host, script, ctx.options.connectTimeoutS * 1000 + CALL_MS);
}

/** One line saying why a remote call failed. */
export function failureOf(result: RemoteResult, script: RemoteScript): string {
  const said = printable(result.stderr).trim().split('\n').slice(-3).join(' | ');
  const who = result.code === 255 ? 'ssh' : `${script.label} (exit ${result.code})`;
  return `${who}: ${said || 'no message'}`;
}

/** Ports in use on the host, or why they could not be read. */
export async function probePorts(ctx: LaunchContext, host: string): Promise<Set<number> | { error: string }> {
  const script = portsScript();
  const result = await runRemote(ctx, host, script);
  return result.code === 0 ? portsInUse(result.stdout) : { error: failureOf(result, script) };
}

/**
 * Finds `plans.length` free ports on the host (from --port up, skipping what is in use) and starts one
 * engine per plan, one after another over the host's shared connection.
 */
export async function launchHost(
  ctx: LaunchContext,
  host: string,
  plans: readonly PlannedInstance[],
): Promise<LiveInstance[]> {
  const inUse = await probePorts(ctx, host);
  if ('error' in inUse) return plans.map((plan) => notLaunched(ctx, plan, ctx.options.port, inUse.error));
  const ports = pickPorts(ctx.options.port, plans.length, inUse);
  if (ports === null) {
    const why = `not enough free ports from ${ctx.options.port} up to 65535`;
    return plans.map((plan) => notLaunched(ctx, plan, ctx.options.port, why));
  }
  const instances: LiveInstance[] = [];
  for (const [i, plan] of plans.entries()) {
    const instance = notLaunched(ctx, plan, ports[i]!, null);
    await launch(ctx, instance, ports[i]!);
    instances.push(instance);
  }
  return instances;
}

/**
 * Starts `instance` on `port` (again, after a clash: same GPUs, new port and names). On failure the
 * instance is marked failed with the reason and false is returned.
 */
export async function launch(ctx: LaunchContext, instance: LiveInstance, port: number): Promise<boolean> {
  const name = instanceName(ctx.options.backend, instance.plan.host, port);
  Object.assign(instance, {
    port,
    name,
    deployId: `${name}-${randomBytes(4).toString('hex')}`,
    command: engineCommand(ctx.options, port),
    pid: null,
    log: null,
    launchedAt: ctx.now(),
    startedAtIso: new Date().toISOString(),
    state: 'starting',
    problem: null,
    logTail: null,
  } satisfies Partial<LiveInstance>);
  const script = launchScript({
    logDir: ctx.options.logDir,
    name,
    deployId: instance.deployId,
    gpus: instance.plan.gpus,
    env: ctx.options.env,
    argv: instance.command,
  });
  const result = await runRemote(ctx, instance.plan.host, script);
  const launched = result.code === 0 ? parseLaunched(result.stdout) : null;
  if (launched === null) {
    instance.state = 'failed';
    instance.problem = `not started: ${failureOf(result, script)}`;
    return false;
  }
  instance.pid = launched.pid;
  instance.log = launched.log;
  return true;
}

function notLaunched(
  ctx: LaunchContext,
  plan: PlannedInstance,
  port: number,
  problem: string | null,
): LiveInstance {
  const name = instanceName(ctx.options.backend, plan.host, port);
  return {
    plan,
    port,
    name,
    deployId: name,
    command: engineCommand(ctx.options, port),
    pid: null,
    log: null,
    launchedAt: ctx.now(),
    startedAtIso: new Date().toISOString(),
    state: problem === null ? 'starting' : 'failed',
    readySeconds: null,
    restarts: 0,
    problem,
    logTail: null,
  };
}

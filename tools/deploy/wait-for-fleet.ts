import { mapLimit } from '../../src/index.ts';
import { printable } from '../cli/index.ts';
import { checkModels } from './engine-http.ts';
import { pickPorts } from './free-ports.ts';
import { failureOf, type LaunchContext, launch, probePorts, runRemote } from './host-launcher.ts';
import { apiBaseOfInstance, type LiveInstance, where } from './live-instance.ts';
import { aliveScript, logTailScript, parsePidLines } from './remote-scripts.ts';

export interface WaitContext extends LaunchContext {
  /** Resolves after `ms` (injected so tests need not wait out real time). */
  readonly sleep: (ms: number) => Promise<void>;
  readonly say: (line: string) => void;
  /** Called once per round with the instances that became ready in it (the backend file is written). */
  readonly onReady: (ready: readonly LiveInstance[]) => Promise<void>;
  readonly signal?: AbortSignal;
  /** Readiness poll period (ms). */
  readonly pollMs: number;
  /** How often the processes are checked over ssh (ms). */
  readonly aliveEveryMs: number;
}

const LOG_TAIL_LINES = 30;
/** How engines (uvicorn, vLLM, SGLang, Node) say the port was taken. */
const PORT_TAKEN =
  /address already in use|EADDRINUSE|port \d+ is (?:already )?in use|port is (?:already )?(?:in use|taken)/i;

/**
 * Polls every starting instance's `/v1/models` until its served name appears; checks the processes over
 * ssh every `aliveEveryMs`: one that is gone failed (its log tail kept), except that a first exit whose
 * log says the port was taken starts it again on a free port. Instances still starting at --ready-timeout
 * are marked `timeout`; an abort marks them `interrupted`.
 */
export async function waitForFleet(ctx: WaitContext, instances: readonly LiveInstance[]): Promise<void> {
  const deadline = ctx.now() + ctx.options.readyTimeoutS * 1000;
  let lastAliveCheck = ctx.now();
  const unreachable = new Set<string>();
  const starting = () => instances.filter((i) => i.state === 'starting');
  while (starting().length > 0) {
    const ready: LiveInstance[] = [];
    await mapLimit(starting(), 64, async (instance) => {
      const answer = await checkModels(apiBaseOfInstance(instance), ctx.options.servedName, 2000);
      if (answer.state !== 'serving' || instance.state !== 'starting') return;
      instance.state = 'ready';
      instance.readySeconds = Math.round((ctx.now() - instance.launchedAt) / 100) / 10;
      ready.push(instance);
      ctx.say(`${where(instance)} ready in ${instance.readySeconds.toFixed(1)} s`);
    });
    if (ready.length > 0) await ctx.onReady(ready);
    if (starting().length === 0) break;
    if (ctx.now() - lastAliveCheck >= ctx.aliveEveryMs) {
      lastAliveCheck = ctx.now();
      await checkProcesses(ctx, instances, unreachable);
    }
    if (ctx.signal?.aborted) {
      for (const instance of starting())
        mark(instance, 'interrupted', 'up stopped waiting before it served (still running)');
      break;
    }
    if (ctx.now() >= deadline) {
      for (const instance of starting())
        mark(
          instance,
          'timeout',
          `not serving ${ctx.options.servedName} after --ready-timeout ${ctx.options.readyTimeoutS} s`,
        );
      break;
    }
    await ctx.sleep(Math.min(ctx.pollMs, Math.max(0, deadline - ctx.now())));
  }
}

function mark(instance: LiveInstance, state: 'timeout' | 'interrupted' | 'failed', problem: string): void {
  instance.state = state;
  instance.problem = problem;
}

async function checkProcesses(ctx: WaitContext, all: readonly LiveInstance[], unreachable: Set<string>) {
  const byHost = new Map<string, LiveInstance[]>();
  for (const instance of all.filter((i) => i.state === 'starting'))
    byHost.set(instance.plan.host, [...(byHost.get(instance.plan.host) ?? []), instance]);
  await mapLimit([...byHost], 16, async ([host, list]) => {
    const refs = list.flatMap((i) => (i.pid === null ? [] : [{ pid: i.pid, deployId: i.deployId }]));
    const script = aliveScript(refs);
    const result = await runRemote(ctx, host, script);
    if (result.code !== 0) {
      // A blip on the network is no reason to give up on engines that may be loading: say it once, retry.
      if (!unreachable.has(host))
        ctx.say(`${host}: cannot check the processes (${failureOf(result, script)})`);
      unreachable.add(host);
      return;
    }
    unreachable.delete(host);
    const states = parsePidLines(result.stdout);
    for (const instance of list) {
      if (instance.pid !== null && states.get(instance.pid) === 'gone') await exited(ctx, instance, all);
    }
  });
}

/** The process is gone: read its log, then either restart it on another port (once) or fail it. */
async function exited(ctx: WaitContext, instance: LiveInstance, all: readonly LiveInstance[]): Promise<void> {
  const tail = await runRemote(ctx, instance.plan.host, logTailScript(instance.log ?? '', LOG_TAIL_LINES));
  const logTail = printable(
    tail.code === 0 ? tail.stdout.trimEnd() : `(log unreadable: ${tail.stderr.trim()})`,
  );
  if (instance.state !== 'starting') return;
  if (instance.restarts === 0 && PORT_TAKEN.test(logTail)) {
    const inUse = await probePorts(ctx, instance.plan.host);
    // Ports of this host's other engines are not listening yet while they load: never hand those out.
    const ours = all.filter((i) => i.plan.host === instance.plan.host).map((i) => i.port);
    const port = 'error' in inUse ? null : pickPorts(ctx.options.port, 1, new Set([...inUse, ...ours]))?.[0];
    if (port !== undefined && port !== null) {
      ctx.say(`${where(instance)} exited: port ${instance.port} was taken; starting again on port ${port}`);
      instance.restarts++;
      if (!(await launch(ctx, instance, port))) ctx.say(`${where(instance)} ${instance.problem}`);
      return;
    }
  }
  instance.logTail = logTail;
  mark(
    instance,
    'failed',
    instance.restarts > 0 ? 'exited again after the restart' : 'exited before it was ready',
  );
  ctx.say(`${where(instance)} ${instance.problem} (log: ${instance.log})`);
}

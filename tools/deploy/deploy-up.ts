import { basename, resolve } from 'node:path';
import { mapLimit } from '../../src/index.ts';
import { readTextIfExists, writeFileAtomic } from '../cli/index.ts';
import {
  checkBackendText,
  type DeployedEntry,
  mergeBackendEntries,
  SELF_DEPLOYED,
} from './backend-file-edit.ts';
import type { DeployIo } from './deploy-io.ts';
import {
  type DeployManifest,
  manifestPathFor,
  mergeInstances,
  readManifest,
  toManifestSsh,
  writeManifest,
} from './deploy-manifest.ts';
import { absoluteSsh, DEFAULT_CONFIG_FILE, type UpOptions } from './deploy-options.ts';
import { type LaunchContext, launchHost, runRemote } from './host-launcher.ts';
import { planInstances } from './instance-plan.ts';
import { apiBaseOfInstance, type LiveInstance, toManifestInstance, where } from './live-instance.ts';
import { describeStop, parsePidLines, stopScript } from './remote-scripts.ts';
import { SystemSsh } from './remote-shell.ts';
import { resolveHosts } from './resolve-hosts.ts';
import { printUpDryRun } from './up-dry-run.ts';
import { upSummary } from './up-summary.ts';
import { waitForFleet } from './wait-for-fleet.ts';

/** Readiness poll period and process check period (ms). */
const POLL_MS = 500;
const ALIVE_EVERY_MS = 1000;

/**
 * `deploy up`: start the engines, wait for them, write the ready ones into the backend file as they
 * come up, record everything in the manifest. Exit 0 when every instance is ready, 1 otherwise (the
 * ready ones still serve and are written), 2 for bad input found before anything started.
 */
export async function runUp(given: UpOptions, io: DeployIo): Promise<number> {
  const options: UpOptions = { ...given, ssh: absoluteSsh(given.ssh, io.cwd) };
  const say = (line: string) => io.out(`${line}\n`);
  const hosts = await resolveHosts(
    { ...options.hosts, hostsFile: options.hosts.hostsFile && resolve(io.cwd, options.hosts.hostsFile) },
    io.env,
  );
  if ('error' in hosts) return fail(io, hosts.error, 2);
  const configFile = resolve(io.cwd, options.configFile ?? DEFAULT_CONFIG_FILE);
  const manifestPath = manifestPathFor(configFile, options.manifest && resolve(io.cwd, options.manifest));
  // Both files are checked before anything starts: a broken one would otherwise surface with engines up.
  let previous: DeployManifest | null;
  try {
    const text = await readTextIfExists(configFile);
    if (text !== null) checkBackendText(text, configFile);
    previous = await readManifest(manifestPath);
  } catch (error) {
    return fail(io, (error as Error).message, 1);
  }
  const plans = planInstances(hosts.hosts, options.gpusPerNode, options.tensorParallel);
  const perHost = plans.length / hosts.hosts.length;
  const idle = options.gpusPerNode - perHost * options.tensorParallel;
  say(
    `deploy: ${plans.length} ${options.backend} instance(s) of ${options.servedName} on ${hosts.hosts.length} host(s) ` +
      `from ${hosts.from}, ${perHost} per host (TP ${options.tensorParallel})` +
      (idle > 0 ? `; ${idle} GPU(s) per host left idle` : ''),
  );
  const busy = [...new Set((previous?.instances ?? []).map((i) => i.host))].filter((h) =>
    hosts.hosts.includes(h),
  );
  if (busy.length > 0)
    say(
      `note: ${manifestPath} already lists engines on ${busy.join(', ')}; the new ones are given the same GPUs`,
    );
  if (!basename(configFile).toLowerCase().startsWith(SELF_DEPLOYED))
    say(
      `note: a router loads ${basename(configFile)} only if a source its name starts with is enabled (self_deployed*.yaml is)`,
    );
  if (options.dryRun) {
    printUpDryRun(options, plans, { configFile, manifestPath, pollMs: POLL_MS }, io);
    return 0;
  }

  const ctx: LaunchContext = {
    shell: new SystemSsh(options.ssh, options.connectTimeoutS),
    options,
    now: io.now,
  };
  const byHost = hosts.hosts.map((host) => [host, plans.filter((plan) => plan.host === host)] as const);
  const instances = (await mapLimit(byHost, 16, ([host, list]) => launchHost(ctx, host, list))).flat();
  for (const instance of instances) {
    say(
      instance.state === 'failed'
        ? `${where(instance)} (GPUs ${instance.plan.gpus}) ${instance.problem}`
        : `${where(instance)} (GPUs ${instance.plan.gpus}) started, pid ${instance.pid}, log ${instance.log}`,
    );
  }
  const record = async (running: readonly LiveInstance[]) => {
    const manifest: DeployManifest = {
      version: 1,
      config_file: configFile,
      ssh: toManifestSsh(options.ssh),
      instances: mergeInstances(
        previous?.instances ?? [],
        running.map((instance) => toManifestInstance(instance, options)),
      ),
    };
    await writeManifest(manifestPath, manifest);
  };
  // Recorded before waiting, so an interrupted `up` can still be taken down.
  await record(instances.filter((i) => i.pid !== null));

  let writeProblems = 0;
  await waitForFleet(
    {
      ...ctx,
      sleep: io.sleep,
      say,
      signal: io.signal,
      pollMs: POLL_MS,
      aliveEveryMs: ALIVE_EVERY_MS,
      onReady: async (ready) => {
        try {
          await writeEntries(
            configFile,
            ready.map((i) => entryOf(i, options)),
          );
          say(`${configFile}: ${ready.length} instance(s) written`);
        } catch (error) {
          writeProblems++;
          io.err(`llm-router deploy: cannot write ${configFile}: ${(error as Error).message}\n`);
        }
      },
    },
    instances,
  );
  const leftRunning = await stopTimedOut(ctx, instances, say);
  await record(
    instances.filter((i) => i.state === 'ready' || i.state === 'interrupted' || leftRunning.has(i)),
  );
  io.out(upSummary(instances));
  say(`manifest: ${manifestPath}`);
  const allReady = instances.every((i) => i.state === 'ready');
  if (instances.some((i) => i.state === 'interrupted'))
    say('interrupted: the engines started so far keep running; `llm-router deploy down` stops them');
  return allReady && writeProblems === 0 ? 0 : 1;
}

function entryOf(instance: LiveInstance, options: UpOptions): DeployedEntry {
  return {
    servedName: options.servedName,
    apiBase: apiBaseOfInstance(instance),
    maxNumSeqs: options.maxNumSeqs,
  };
}

/** Re-reads the file (someone may have edited it meanwhile), merges, replaces it atomically. */
async function writeEntries(configFile: string, entries: readonly DeployedEntry[]): Promise<void> {
  const text = await readTextIfExists(configFile);
  await writeFileAtomic(configFile, mergeBackendEntries(text, configFile, entries));
}

/**
 * Engines that missed --ready-timeout are stopped: left alone they would hold GPUs the router never
 * uses. Returns the ones that could not be stopped (still recorded in the manifest for `down`).
 */
async function stopTimedOut(
  ctx: LaunchContext,
  instances: readonly LiveInstance[],
  say: (line: string) => void,
): Promise<Set<LiveInstance>> {
  const late = instances.filter((i) => i.state === 'timeout' && i.pid !== null);
  const leftRunning = new Set<LiveInstance>();
  const hosts = [...new Set(late.map((i) => i.plan.host))];
  await mapLimit(hosts, 16, async (host) => {
    const list = late.filter((i) => i.plan.host === host);
    const result = await runRemote(
      ctx,
      host,
      stopScript(
        5,
        list.map((i) => ({ pid: i.pid!, deployId: i.deployId })),
      ),
    );
    const states = parsePidLines(result.stdout);
    for (const instance of list) {
      const state = states.get(instance.pid!);
      if (state === undefined) leftRunning.add(instance);
      say(`${where(instance)} not ready in time: ${describeStop(state)}`);
    }
  });
  return leftRunning;
}

function fail(io: DeployIo, message: string, code: number): number {
  io.err(`llm-router deploy up: ${message}\n`);
  return code;
}

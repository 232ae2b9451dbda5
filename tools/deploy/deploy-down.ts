import { mapLimit } from '../../src/index.ts';
import { printable, readTextIfExists, renderTable, writeFileAtomic } from '../cli/index.ts';
import { removeBackendEntries } from './backend-file-edit.ts';
import type { DeployIo } from './deploy-io.ts';
import { type ManifestInstance, writeManifest } from './deploy-manifest.ts';
import type { DownOptions } from './deploy-options.ts';
import { type Deployment, loadDeployment } from './load-deployment.ts';
import { describeStop, parsePidLines, stopScript } from './remote-scripts.ts';
import { renderSshCall } from './ssh-command.ts';

/**
 * `deploy down`: first take the instances out of the backend file (the router stops sending them new
 * requests), then stop the engines: SIGTERM to each process group, SIGKILL after --grace seconds. The
 * manifest keeps only what could not be stopped (an unreachable host), so `down` can be run again.
 * Exit 0 when everything is stopped, 1 otherwise.
 */
export async function runDown(options: DownOptions, io: DeployIo): Promise<number> {
  const deployment = await loadDeployment(options, io);
  if ('error' in deployment) {
    io.err(`llm-router deploy down: ${deployment.error}\n`);
    return 1;
  }
  const apiBases = deployment.manifest.instances.map((i) => i.api_base);
  if (options.dryRun) {
    printDownDryRun(deployment, options, io);
    return 0;
  }
  let code = 0;
  if (!options.keepConfig) {
    try {
      const text = await readTextIfExists(deployment.configFile);
      const edit =
        text === null
          ? { text: '', removed: 0 }
          : removeBackendEntries(text, deployment.configFile, apiBases);
      if (edit.removed > 0) await writeFileAtomic(deployment.configFile, edit.text);
      io.out(`${deployment.configFile}: ${edit.removed} entr${edit.removed === 1 ? 'y' : 'ies'} removed\n`);
    } catch (error) {
      // The engines are stopped anyway: the operator asked for it, and the router copes with dead backends.
      io.err(`llm-router deploy down: cannot update ${deployment.configFile}: ${(error as Error).message}\n`);
      code = 1;
    }
  }
  const results = new Map<ManifestInstance, string>();
  await mapLimit([...deployment.byHost], 16, async ([host, list]) => {
    const result = await deployment.shell.run(
      host,
      stopScript(options.graceS, refsOf(list)),
      (options.graceS + deployment.connectTimeoutS + 30) * 1000,
    );
    const states = parsePidLines(result.stdout);
    if (result.code !== 0) io.err(`${host}: ${printable(result.stderr).trim() || `exit ${result.code}`}\n`);
    for (const instance of list) results.set(instance, states.get(instance.pid) ?? 'unknown');
  });
  const rows = deployment.manifest.instances.map((i) => [
    i.host,
    String(i.port),
    String(i.pid),
    describeStop(results.get(i)),
  ]);
  io.out(renderTable(['HOST', 'PORT', 'PID', 'RESULT'], rows));
  const left = deployment.manifest.instances.filter((i) => results.get(i) === 'unknown');
  await writeManifest(deployment.manifestPath, { ...deployment.manifest, instances: left });
  if (left.length > 0) {
    io.err(
      `llm-router deploy down: ${left.length} instance(s) not confirmed stopped; kept in ${deployment.manifestPath}\n`,
    );
    code = 1;
  }
  return code;
}

function refsOf(list: readonly ManifestInstance[]) {
  return list.map((i) => ({ pid: i.pid, deployId: i.deploy_id }));
}

function printDownDryRun(deployment: Deployment, options: DownOptions, io: DeployIo): void {
  io.out('# --dry-run: nothing is stopped and no host is contacted.\n');
  io.out(
    options.keepConfig
      ? `# --keep-config: ${deployment.configFile} is left as it is.\n`
      : `# First: remove the entries with these api_base values from ${deployment.configFile}:\n${deployment.manifest.instances
          .map((i) => `#   ${i.api_base}\n`)
          .join('')}`,
  );
  for (const [host, list] of deployment.byHost) {
    io.out(`\n# ${host}: SIGTERM, then SIGKILL after ${options.graceS} s\n`);
    io.out(
      renderSshCall(
        host,
        deployment.ssh,
        deployment.connectTimeoutS,
        stopScript(options.graceS, refsOf(list)),
      ),
    );
  }
  io.out(`\n# Then: forget the stopped instances in ${deployment.manifestPath}.\n`);
}

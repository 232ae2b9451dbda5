import { type EngineLoad, mapLimit } from '../../src/index.ts';
import { printable, renderTable } from '../cli/index.ts';
import type { DeployIo } from './deploy-io.ts';
import type { ManifestInstance } from './deploy-manifest.ts';
import type { CommonOptions } from './deploy-options.ts';
import { checkModels, fetchEngineLoad, type ModelsAnswer } from './engine-http.ts';
import { type Deployment, loadDeployment } from './load-deployment.ts';
import { aliveScript, parsePidLines } from './remote-scripts.ts';
import { renderSshCall } from './ssh-command.ts';

interface InstanceStatus {
  readonly instance: ManifestInstance;
  /** alive | gone | unknown (the host could not be asked). */
  readonly process: string;
  readonly api: ModelsAnswer;
  readonly load: EngineLoad | null;
}

/**
 * `deploy status`: for every recorded instance, is the process alive (over ssh), does `/v1/models` list
 * its served name, and its running/waiting requests and KV-cache use from `/metrics`. Exit 0 when every
 * instance is alive and serving, 1 otherwise.
 */
export async function runStatus(options: CommonOptions, io: DeployIo): Promise<number> {
  const deployment = await loadDeployment(options, io);
  if ('error' in deployment) {
    io.err(`llm-router deploy status: ${deployment.error}\n`);
    return 1;
  }
  if (options.dryRun) {
    printStatusDryRun(deployment, io);
    return 0;
  }
  const processes = new Map<ManifestInstance, string>();
  await mapLimit([...deployment.byHost], 16, async ([host, list]) => {
    const result = await deployment.shell.run(
      host,
      aliveScript(list.map((i) => ({ pid: i.pid, deployId: i.deploy_id }))),
      deployment.connectTimeoutS * 1000 + 30_000,
    );
    if (result.code !== 0)
      io.err(
        `${host}: cannot check the processes: ${printable(result.stderr).trim() || `exit ${result.code}`}\n`,
      );
    const states = result.code === 0 ? parsePidLines(result.stdout) : new Map<number, string>();
    for (const instance of list) processes.set(instance, states.get(instance.pid) ?? 'unknown');
  });
  const statuses = await mapLimit(
    deployment.manifest.instances,
    32,
    async (instance): Promise<InstanceStatus> => {
      const [api, load] = await Promise.all([
        checkModels(instance.api_base, instance.served_model_name, 3000),
        fetchEngineLoad(instance.api_base, 3000),
      ]);
      return { instance, process: processes.get(instance) ?? 'unknown', api, load };
    },
  );
  io.out(statusTable(statuses));
  const healthy = statuses.filter((s) => s.process === 'alive' && s.api.state === 'serving').length;
  io.out(
    `\n${healthy} of ${statuses.length} instance(s) alive and serving (manifest: ${deployment.manifestPath})\n`,
  );
  return healthy === statuses.length ? 0 : 1;
}

function statusTable(statuses: readonly InstanceStatus[]): string {
  const rows = statuses.map(({ instance, process, api, load }) => [
    instance.host,
    String(instance.port),
    instance.gpus,
    String(instance.pid),
    process,
    api.state === 'serving' ? `serving ${instance.served_model_name}` : `${api.state}: ${api.detail}`,
    load === null ? '-' : String(load.running),
    load === null ? '-' : String(load.waiting),
    load?.kvCacheUsage == null ? '-' : `${(load.kvCacheUsage * 100).toFixed(1)}%`,
  ]);
  return renderTable(
    ['HOST', 'PORT', 'GPUS', 'PID', 'PROCESS', 'API', 'RUNNING', 'WAITING', 'KV CACHE'],
    rows,
  );
}

function printStatusDryRun(deployment: Deployment, io: DeployIo): void {
  io.out('# --dry-run: no host is contacted.\n');
  for (const [host, list] of deployment.byHost) {
    io.out(`\n# ${host}: are the engines still running?\n`);
    const script = aliveScript(list.map((i) => ({ pid: i.pid, deployId: i.deploy_id })));
    io.out(renderSshCall(host, deployment.ssh, deployment.connectTimeoutS, script));
  }
  io.out('\n# Then, for each instance: GET <api_base>/models and GET <api_base without /v1>/metrics.\n');
}

import type { DeployIo } from './deploy-io.ts';
import type { UpOptions } from './deploy-options.ts';
import { engineCommand } from './engine-command.ts';
import { apiBaseOf, instanceName, type PlannedInstance } from './instance-plan.ts';
import { launchScript, portsScript } from './remote-scripts.ts';
import { renderSshCall } from './ssh-command.ts';

export interface UpDryRunPaths {
  readonly configFile: string;
  readonly manifestPath: string;
  readonly pollMs: number;
}

/**
 * `up --dry-run`: every ssh command `up` would run, as a shell would run it, contacting nobody. Ports
 * cannot be probed without connecting, so each host's instances are shown on ports from --port up; the
 * deploy ids (random per launch) are shown as `<random>`.
 */
export function printUpDryRun(
  options: UpOptions,
  plans: readonly PlannedInstance[],
  paths: UpDryRunPaths,
  io: DeployIo,
): void {
  const out = (text: string) => io.out(text);
  const ssh = (host: string, script: Parameters<typeof renderSshCall>[3]) =>
    renderSshCall(host, options.ssh, options.connectTimeoutS, script);
  out(
    '# --dry-run: nothing is started and no host is contacted. Ports are not probed: shown from --port up.\n',
  );
  for (const host of new Set(plans.map((plan) => plan.host))) {
    out(`\n# ${host}: list the TCP ports in use\n`);
    out(ssh(host, portsScript()));
    plans
      .filter((plan) => plan.host === host)
      .forEach((plan, i) => {
        const port = options.port + i;
        const name = instanceName(options.backend, host, port);
        out(`\n# ${host}:${port}: start ${options.backend} on GPUs ${plan.gpus}\n`);
        out(
          ssh(
            host,
            launchScript({
              logDir: options.logDir,
              name,
              deployId: `${name}-<random>`,
              gpus: plan.gpus,
              env: options.env,
              argv: engineCommand(options, port),
            }),
          ),
        );
      });
  }
  out(
    `\n# Then: poll ${plans.length === 0 ? 'nothing' : `${apiBaseOf(plans[0]!.host, options.port)}/models and the others`} ` +
      `every ${paths.pollMs} ms for up to ${options.readyTimeoutS} s until "${options.servedName}" is listed,\n` +
      `# write the ready ones into ${paths.configFile} (merged by api_base)\n` +
      `# and record every instance in ${paths.manifestPath}.\n`,
  );
}

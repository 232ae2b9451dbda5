import { readFile } from 'node:fs/promises';
import { hostProblem } from './deploy-names.ts';
import { expandNodeList } from './expand-node-list.ts';

/** Where the host list came from, in the order they are tried. */
export interface HostSources {
  /** `--hosts h1,h2` or a Slurm-style list `node[01-04]`. */
  readonly hosts?: string;
  /** `--hosts-file PATH`: one host per line; `#` comments; extra words (MPI `slots=8`) ignored. */
  readonly hostsFile?: string;
  /** `--hosts-env NAME`: an environment variable holding a (Slurm-style) list. */
  readonly hostsEnv?: string;
}

/** When no source is named, a Slurm allocation's node list is used (and the output says so). */
export const SLURM_NODELIST = 'SLURM_JOB_NODELIST';

export interface ResolvedHosts {
  readonly hosts: string[];
  /** Human wording of the source, for the output. */
  readonly from: string;
}

/** Reads and validates the host list; the error names the flag, the source and the bad host. */
export async function resolveHosts(
  sources: HostSources,
  env: Readonly<Record<string, string | undefined>>,
): Promise<ResolvedHosts | { error: string }> {
  const given = [sources.hosts, sources.hostsFile, sources.hostsEnv].filter((s) => s !== undefined);
  if (given.length > 1) return { error: 'give only one of --hosts, --hosts-file and --hosts-env' };
  let text: string;
  let from: string;
  if (sources.hosts !== undefined) {
    text = sources.hosts;
    from = '--hosts';
  } else if (sources.hostsFile !== undefined) {
    let content: string;
    try {
      content = await readFile(sources.hostsFile, 'utf8');
    } catch (error) {
      return { error: `--hosts-file ${sources.hostsFile}: ${(error as Error).message}` };
    }
    // One host per line as MPI hostfiles and $PBS_NODEFILE have them: the first word, comments dropped.
    text = content
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim().split(/\s+/)[0] ?? '')
      .join(',');
    from = `--hosts-file ${sources.hostsFile}`;
  } else {
    const name = sources.hostsEnv ?? SLURM_NODELIST;
    const value = env[name];
    if (value === undefined || value.trim() === '') {
      return {
        error:
          sources.hostsEnv === undefined
            ? `no hosts: give --hosts, --hosts-file or --hosts-env (${SLURM_NODELIST} is not set either)`
            : `--hosts-env ${name}: the variable is not set or empty`,
      };
    }
    text = value;
    from = `$${name}`;
  }
  const expanded = expandNodeList(text);
  if ('error' in expanded) return { error: `${from}: ${expanded.error}` };
  if (expanded.hosts.length === 0) return { error: `${from}: no hosts listed` };
  for (const host of expanded.hosts) {
    const problem = hostProblem(host);
    if (problem) return { error: `${from}: host ${problem}` };
  }
  return { hosts: expanded.hosts, from };
}

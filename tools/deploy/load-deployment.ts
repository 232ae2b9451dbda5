import { resolve } from 'node:path';
import type { DeployIo } from './deploy-io.ts';
import { type DeployManifest, manifestPathFor, readManifest, sshFrom } from './deploy-manifest.ts';
import { absoluteSsh, type CommonOptions, DEFAULT_CONFIG_FILE, type SshSettings } from './deploy-options.ts';
import { type RemoteShell, SystemSsh } from './remote-shell.ts';

/** What status and down work on: the manifest and how to reach its hosts. */
export interface Deployment {
  readonly manifest: DeployManifest;
  readonly manifestPath: string;
  /** --config-file, else the file `up` wrote to. */
  readonly configFile: string;
  readonly ssh: SshSettings;
  readonly connectTimeoutS: number;
  readonly shell: RemoteShell;
  /** Instances grouped by host, in manifest order. */
  readonly byHost: ReadonlyMap<string, DeployManifest['instances']>;
}

/** Reads the manifest named by the flags; the error says what to do when there is none. */
export async function loadDeployment(
  options: CommonOptions,
  io: DeployIo,
): Promise<Deployment | { error: string }> {
  const given = options.configFile === undefined ? undefined : resolve(io.cwd, options.configFile);
  const manifestPath = manifestPathFor(
    given ?? resolve(io.cwd, DEFAULT_CONFIG_FILE),
    options.manifest && resolve(io.cwd, options.manifest),
  );
  let manifest: DeployManifest | null;
  try {
    manifest = await readManifest(manifestPath);
  } catch (error) {
    return { error: (error as Error).message };
  }
  if (manifest === null)
    return { error: `no deployment recorded in ${manifestPath} (deploy up writes it; or pass --manifest)` };
  const ssh = sshFrom(manifest, absoluteSsh(options.ssh, io.cwd));
  const connectTimeoutS = options.connectTimeoutS;
  const byHost = new Map<string, DeployManifest['instances']>();
  for (const instance of manifest.instances)
    byHost.set(instance.host, [...(byHost.get(instance.host) ?? []), instance]);
  return {
    manifest,
    manifestPath,
    configFile: given ?? manifest.config_file,
    ssh,
    connectTimeoutS,
    shell: new SystemSsh(ssh, connectTimeoutS),
    byHost,
  };
}

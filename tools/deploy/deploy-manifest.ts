import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { readTextIfExists, writeFileAtomic } from '../cli/index.ts';
import { hostProblem } from './deploy-names.ts';
import type { SshSettings } from './deploy-options.ts';

/** Hosts are checked as strictly as on the command line: a hand-edited manifest feeds ssh too. */
const HostSchema = z.string().superRefine((host, ctx) => {
  const problem = hostProblem(host);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: `host ${problem}` });
});

export const ManifestInstanceSchema = z.object({
  host: HostSchema,
  port: z.number().int().min(1).max(65_535),
  pid: z.number().int().positive(),
  /** In the engine's environment as LLM_ROUTER_DEPLOY_ID: tells our process from a reused pid. */
  deploy_id: z.string().regex(/^[A-Za-z0-9._-]+$/),
  /** CUDA_VISIBLE_DEVICES. */
  gpus: z.string(),
  /** Absolute path of the engine's log on the node (its pid file sits beside it). */
  log: z.string().min(1),
  backend: z.enum(['vllm', 'sglang']),
  served_model_name: z.string().min(1),
  api_base: z.string().min(1),
  /** The engine argv as started (environment values are not recorded: they may be secrets). */
  command: z.array(z.string()),
  env_keys: z.array(z.string()),
  started_at: z.string(),
  /** `starting` until it answered /v1/models with its served name. */
  status: z.enum(['starting', 'ready']),
  ready_seconds: z.number().nullable(),
});

export const DeployManifestSchema = z.object({
  version: z.literal(1),
  /** The backend file the instances were written to (absolute). */
  config_file: z.string().min(1),
  /** How the nodes were reached, so status and down need no ssh flags. */
  ssh: z.object({
    user: z.string().optional(),
    port: z.number().int().optional(),
    identity: z.string().optional(),
    options: z.array(z.string()),
  }),
  instances: z.array(ManifestInstanceSchema),
});

export type ManifestInstance = z.infer<typeof ManifestInstanceSchema>;
export type DeployManifest = z.infer<typeof DeployManifestSchema>;

/** `--manifest`, else `deploy-manifest.json` beside the backend file. */
export function manifestPathFor(configFile: string, manifest: string | undefined): string {
  return resolve(manifest ?? join(dirname(configFile), 'deploy-manifest.json'));
}

/** The manifest, null when there is none; a broken one is an error naming file and key. */
export async function readManifest(path: string): Promise<DeployManifest | null> {
  const text = await readTextIfExists(path);
  if (text === null) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not JSON (${(error as Error).message})`);
  }
  const parsed = DeployManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`,
    );
    throw new Error(`${path}: not a deploy manifest: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** Writes the manifest atomically; with no instances left the file is removed. */
export async function writeManifest(path: string, manifest: DeployManifest): Promise<void> {
  if (manifest.instances.length === 0) {
    await rm(path, { force: true });
    return;
  }
  await writeFileAtomic(path, `${JSON.stringify(manifest, null, 2)}\n`);
}

/** `next` replaces what `previous` had at the same host and port; the rest of `previous` is kept. */
export function mergeInstances(
  previous: readonly ManifestInstance[],
  next: readonly ManifestInstance[],
): ManifestInstance[] {
  const key = (i: ManifestInstance) => `${i.host}:${i.port}`;
  const replaced = new Set(next.map(key));
  return [...previous.filter((i) => !replaced.has(key(i))), ...next];
}

/** The ssh settings as recorded. */
export function toManifestSsh(ssh: SshSettings): DeployManifest['ssh'] {
  return {
    ...(ssh.user === undefined ? {} : { user: ssh.user }),
    ...(ssh.port === undefined ? {} : { port: ssh.port }),
    ...(ssh.identity === undefined ? {} : { identity: ssh.identity }),
    options: [...ssh.options],
  };
}

/** Flags given to status/down win; what they leave unset comes from the manifest. */
export function sshFrom(manifest: DeployManifest, flags: SshSettings): SshSettings {
  return {
    user: flags.user ?? manifest.ssh.user,
    port: flags.port ?? manifest.ssh.port,
    identity: flags.identity ?? manifest.ssh.identity,
    options: flags.options.length > 0 ? flags.options : manifest.ssh.options,
  };
}

import { resolve } from 'node:path';
import type { HostSources } from './resolve-hosts.ts';

export type EngineKind = 'vllm' | 'sglang';
export type DeploySubcommand = 'up' | 'status' | 'down';

/** How to reach the nodes; unset fields fall back to the manifest (status, down), then to ssh's own. */
export interface SshSettings {
  readonly user?: string;
  readonly port?: number;
  readonly identity?: string;
  /** `-o KEY=VALUE` items, before deploy's own so they win (ssh keeps the first value of an option). */
  readonly options: readonly string[];
}

/** Flags every subcommand takes. */
export interface CommonOptions {
  /** Default: DEFAULT_CONFIG_FILE for `up`; the manifest's for status and down. */
  readonly configFile?: string;
  /** Default: `deploy-manifest.json` next to the config file. */
  readonly manifest?: string;
  readonly ssh: SshSettings;
  readonly connectTimeoutS: number;
  readonly dryRun: boolean;
}

export interface UpOptions extends CommonOptions {
  readonly hosts: HostSources;
  readonly backend: EngineKind;
  readonly model: string;
  readonly servedName: string;
  readonly tensorParallel: number;
  readonly gpusPerNode: number;
  readonly port: number;
  /** The engines' `--host`: the address they listen on. */
  readonly bindHost: string;
  readonly maxNumSeqs?: number;
  readonly engineBin?: string;
  readonly python?: string;
  /** `KEY=VALUE`, validated. */
  readonly env: readonly string[];
  readonly extraArgs: readonly string[];
  readonly logDir: string;
  readonly readyTimeoutS: number;
}

export interface DownOptions extends CommonOptions {
  readonly graceS: number;
  readonly keepConfig: boolean;
}

export const DEFAULT_CONFIG_FILE = 'configs/self_deployed_config.yaml';
export const DEFAULT_LOG_DIR = 'llm-router-logs';

/** The identity file as an absolute path, so the manifest works from any directory. */
export function absoluteSsh(ssh: SshSettings, cwd: string): SshSettings {
  return ssh.identity === undefined ? ssh : { ...ssh, identity: resolve(cwd, ssh.identity) };
}

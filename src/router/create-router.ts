import {
  type ConfigOverrides,
  type ConfigTexts,
  type LoadedBackendFile,
  parseConfigTexts,
} from '../config/config-texts.ts';
import type { MainConfig } from '../config/main-config-schema.ts';
import type { SecretSource } from '../config/resolve-secret.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { Random } from '../core/random.ts';
import type { Transport } from '../core/transport.ts';
import type { SystemInfo } from '../metrics/dashboard-data.ts';
import type { NoticeOptions } from '../notify/notice-hub.ts';
import type { RouterState } from '../state/router-state.ts';
import type { RuntimeTuning } from './dispatch-settings-from.ts';
import { LlmRouter } from './llm-router.ts';

/** What a runtime brings; everything else about building a router is the same everywhere. */
export interface RouterRuntime<T extends Transport = Transport> {
  readonly clock: Clock;
  readonly random: Random;
  /** `os.environ/NAME`: process env on Node, bindings on Workers. */
  readonly secrets: SecretSource;
  readonly systemInfo: () => SystemInfo;
  /** From the validated config (its log level). */
  log(config: MainConfig): Logger;
  /** From the validated config (http_client timeouts and pool sizes). */
  transport(config: MainConfig): T;
  /** `models`: the configured models right now (a sharded remote state merges their shards' views). */
  state(config: MainConfig, models: () => readonly string[]): RouterState;
  /** See LlmRouterDeps. */
  readonly sharedRounds?: boolean;
  readonly tuning?: RuntimeTuning;
  /** See LlmRouterDeps; the config version is filled in from the texts. */
  readonly notices?: Omit<NoticeOptions, 'version'>;
  /** See LlmRouterDeps. */
  readonly inflight?: () => number;
}

export interface CreatedRouter<T extends Transport = Transport> {
  readonly router: LlmRouter;
  readonly config: MainConfig;
  readonly log: Logger;
  readonly transport: T;
  /** The backend files as applied (a reloader starts from these). */
  readonly files: readonly LoadedBackendFile[];
}

/**
 * Config texts in, a router with its backends applied out: the one bootstrap both runtimes use. Throws
 * ConfigError (file, key path, problem) before building anything. Background work is not started: the
 * caller's scheduler calls `router.background.runDue()`.
 */
export async function createRouter<T extends Transport>(
  texts: ConfigTexts,
  runtime: RouterRuntime<T>,
  overrides: ConfigOverrides = {},
): Promise<CreatedRouter<T>> {
  const { config, files } = parseConfigTexts(texts, runtime.secrets, overrides);
  const log = runtime.log(config);
  const transport = runtime.transport(config);
  const router: LlmRouter = new LlmRouter({
    config,
    state: runtime.state(config, () => router.snapshot.models),
    transport,
    clock: runtime.clock,
    random: runtime.random,
    log,
    secrets: runtime.secrets,
    configFile: texts.mainFile,
    systemInfo: runtime.systemInfo,
    ...(runtime.sharedRounds === undefined ? {} : { sharedRounds: runtime.sharedRounds }),
    ...(runtime.tuning === undefined ? {} : { tuning: runtime.tuning }),
    ...(runtime.inflight === undefined ? {} : { inflight: runtime.inflight }),
    notices: { ...runtime.notices, version: configVersion(texts) },
  });
  for (const file of files) {
    for (const warning of file.warnings) log.warn(warning);
    const change = await router.applyBackendFile(file.file, file.backends, true);
    for (const duplicate of change.duplicates) log.warn('duplicate backend ignored', { backend: duplicate });
  }
  const snapshot = router.snapshot;
  log.info('backends loaded', {
    backends: snapshot.backends.length,
    models: snapshot.models.length,
    files: files.length,
  });
  return { router, config, log, transport, files };
}

/** FNV-1a over every config text: the same deployed config gives the same version in every isolate. */
function configVersion(texts: ConfigTexts): string {
  const files = Object.keys(texts.backends).sort();
  const all = [texts.main, ...files.flatMap((file) => [file, texts.backends[file] ?? ''])].join('\u0000');
  let hash = 0x811c9dc5;
  for (let i = 0; i < all.length; i++) hash = Math.imul(hash ^ all.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

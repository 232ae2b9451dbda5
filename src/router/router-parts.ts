import type { MainConfig } from '../config/main-config-schema.ts';
import type { SecretSource } from '../config/resolve-secret.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { Random } from '../core/random.ts';
import type { Transport } from '../core/transport.ts';
import type { SystemInfo } from '../metrics/dashboard-data.ts';
import type { NoticeHub, NoticeOptions } from '../notify/notice-hub.ts';
import type { Backend } from '../pool/backend.ts';
import { BackendPool, type PoolChange } from '../pool/backend-pool.ts';
import type { HealthTransition, RouterState } from '../state/router-state.ts';
import { Admission } from './admission.ts';
import { type AdmissionTicket, admit } from './admitted-dispatch.ts';
import { applyBackendFile } from './apply-backend-file.ts';
import { Background } from './background.ts';
import { ConfigStatus } from './config-status.ts';
import { maxInflightShare, type RuntimeTuning } from './dispatch-settings-from.ts';
import { EjectionProbes } from './ejection-probes.ts';
import { HealthRounds } from './health-rounds.ts';
import { LiveConfig } from './live-config.ts';
import { routerNotices } from './router-notices.ts';
import { RouterViews } from './router-views.ts';
import { ScrapeRounds } from './scrape-rounds.ts';

export interface LlmRouterDeps {
  readonly config: MainConfig;
  readonly state: RouterState;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly random: Random;
  readonly log: Logger;
  /** Resolves `os.environ/NAME` in server.api_keys: process env on Node, bindings on Workers. */
  readonly secrets: SecretSource;
  /** Names config.yaml in the ConfigError an unresolvable inbound key raises; default `config.yaml`. */
  readonly configFile?: string;
  /** Memory and runtime facts for the dashboard. */
  readonly systemInfo: () => SystemInfo;
  /** Health rounds run outside this instance (Workers): see HealthRoundsDeps.sharedRounds. */
  readonly sharedRounds?: boolean;
  /** Saturation poll period and attempt leases, where the runtime needs other than the defaults. */
  readonly tuning?: RuntimeTuning;
  /** Webhook notifications: in this instance by default; Workers forward to their notifier object. */
  readonly notices?: NoticeOptions;
  /**
   * Client requests open on the whole router, for the dashboard and /metrics, where other processes
   * serve them (the cluster primary sums its workers'); default: this instance's admission count.
   */
  readonly inflight?: () => number;
}

/** The modules an LlmRouter is made of, wired to each other once. */
export interface RouterParts {
  readonly deps: LlmRouterDeps;
  readonly live: LiveConfig;
  readonly pool: BackendPool;
  readonly admission: Admission;
  readonly configStatus: ConfigStatus;
  readonly health: HealthRounds;
  readonly views: RouterViews;
  readonly notices: NoticeHub;
  readonly background: Background;
  /** Take a `server.max_inflight` slot for one client request (LlmRouter.admit). */
  readonly admit: () => AdmissionTicket;
  /** Replace one backend file's entries in the pool and the state (apply-backend-file.ts). */
  readonly applyBackendFile: (
    file: string,
    list: readonly Backend[] | null,
    healthyUntilProbed: boolean,
  ) => Promise<PoolChange>;
}

export function assembleRouter(deps: LlmRouterDeps): RouterParts {
  const { clock, log, state, transport } = deps;
  const live = new LiveConfig(deps.config, deps.secrets, deps.configFile ?? 'config.yaml', deps.tuning);
  const pool = new BackendPool(() => Math.floor(clock.wallTime() / 1000));
  const admission = new Admission();
  const configStatus = new ConfigStatus(clock, log, (file, message, at) =>
    notices.offer({ kind: 'config-rejected', file, message, at }),
  );
  const health = new HealthRounds({
    live,
    pool,
    state,
    transport,
    clock,
    log,
    draining: () => admission.draining,
    sharedRounds: deps.sharedRounds ?? false,
  });
  const scrapes = new ScrapeRounds({ live, pool, state, transport, clock, log });
  const views = new RouterViews({
    live,
    pool,
    state,
    clock,
    configStatus,
    systemInfo: deps.systemInfo,
    inflight: deps.inflight ?? (() => admission.inflight),
    startedAt: clock.now(),
  });
  const ejections = new EjectionProbes({
    delayMs: () => live.config.health_check.ejection_probe_delay * 1000,
    backend: (id) => pool.snapshot.get(id),
    probe: (backends) => health.probe(backends),
    wake: () => background.wake(),
  });
  health.onChange(ejections.onHealthChange);
  const notices = routerNotices({
    live,
    pool,
    health,
    views,
    transport,
    clock,
    random: deps.random,
    log,
    options: deps.notices ?? {},
  });
  const background: Background = new Background(
    {
      health: () => health.runRound(),
      scrape: () => scrapes.runRound(),
      history: () => views.sampleHistory(),
      ejectionProbes: (now) => ejections.runDue(now),
      nextEjectionProbeAt: () => ejections.nextAt(),
      notify: (now) => notices.runDue(now),
      nextNotifyAt: () => notices.nextDueAt(),
      noticesSettled: () => notices.settled(),
    },
    () => live.config,
    clock,
    log,
  );
  const { random } = deps;
  const onHealthChange = (change: HealthTransition) => health.emit(change);
  // Per request only the pool snapshot and the settings may have changed (a reload).
  const context = () => ({
    snapshot: pool.snapshot,
    settings: live.settings,
    state,
    transport,
    clock,
    random,
    log,
    onHealthChange,
    onResponseEnd: admission.leave,
  });
  const maxInflight = () => maxInflightShare(live.config.server.max_inflight, deps.tuning?.processes);
  const admitDeps = { admission, state, clock, log, maxInflight, context };
  // Where rounds run elsewhere, so do the probes of added backends: the owner probed them first.
  const probeAdded = deps.sharedRounds ? async () => {} : (added: readonly Backend[]) => health.probe(added);
  return {
    deps,
    live,
    pool,
    admission,
    configStatus,
    health,
    views,
    notices,
    background,
    admit: () => admit(admitDeps),
    applyBackendFile: (file, list, healthyUntilProbed) =>
      applyBackendFile(pool, state, probeAdded, file, list, healthyUntilProbed),
  };
}

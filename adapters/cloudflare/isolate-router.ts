import pkg from '../../package.json' with { type: 'json' };
import {
  type CreatedRouter,
  createApp,
  createRouter,
  type LlmRouter,
  type MainConfig,
  RemoteRouterState,
  type RouterError,
  type RouterRuntime,
  routerErrors,
  systemClock,
  systemRandom,
} from '../../src/index.ts';
import { createAssetReader } from './asset-reader.ts';
import { configTexts } from './config-texts.ts';
import { durableNoticeChannel } from './durable-notice-channel.ts';
import { durableStateChannel } from './durable-state-channel.ts';
import { millisecondsOf, secretsOf, type WorkerEnv } from './env.ts';
import { createFetchTransport } from './fetch-transport.ts';
import { inboundAuthProblem } from './inbound-auth.ts';
import { DEFAULT_LINGER_MS, keepAlive } from './request-scope.ts';
import { schedulerOf } from './scheduler-stub.ts';
import { DEFAULT_STALL_MS } from './track-response.ts';
import { createWorkerLogger } from './worker-logger.ts';

/** Everything one isolate builds once and reuses for every request, cron tick and alarm it serves. */
export interface IsolateRouter {
  readonly config: MainConfig;
  readonly router: LlmRouter;
  readonly app: { fetch(request: Request): Response | Promise<Response> };
  /** Why the Worker refuses traffic (inbound auth missing), or null. */
  readonly refusal: RouterError | null;
  /** How long a finished response may wait for its state calls (RequestScope). */
  readonly lingerMs: number;
  /** A response whose client takes nothing for this long is abandoned (track-response.ts). */
  readonly stallMs: number;
}

/**
 * Saturation poll period on Workers. Each poll is a Durable Object call, i.e. a subrequest of the
 * waiting invocation, all on the model's one object: at Node's 20 ms a request could spend 500 of them
 * in the default max_wait_ms of 10 s. 250 ms caps that at 40 while a freed slot waits at most a
 * quarter second.
 */
const SATURATION_POLL_MS = 250;

/**
 * Attempts hold their backend's slot under a lease this long, renewed every third of it while they run:
 * a release that never reaches its Durable Object (retried, then given up) frees the slot within a minute
 * instead of never. Renewals cost one state call per attempt per 20 s, so short requests make none.
 */
const DEFAULT_LEASE_MS = 60_000;

let cached: {
  readonly main: string | undefined;
  readonly backends: string | undefined;
  readonly built: Promise<IsolateRouter>;
} | null = null;

/**
 * The isolate's router, built on first use and kept while the config bindings stay the same. Building
 * registers the backends in their Durable Objects (an await per model), so it happens once per isolate,
 * not per request; concurrent first requests share the one build. A failed build is not cached.
 */
export function isolateRouter(env: WorkerEnv): Promise<IsolateRouter> {
  if (cached && cached.main === env.ROUTER_CONFIG && cached.backends === env.ROUTER_BACKENDS)
    return cached.built;
  const built = build(env);
  const entry = { main: env.ROUTER_CONFIG, backends: env.ROUTER_BACKENDS, built };
  cached = entry;
  built.catch(() => {
    if (cached === entry) cached = null;
  });
  return built;
}

async function build(env: WorkerEnv): Promise<IsolateRouter> {
  const secrets = secretsOf(env);
  // Health changes go to the one notifier object, whichever isolate saw them.
  const { router, config, log } = await createWorkerRouter(env, {
    channel: durableNoticeChannel(env.NOTIFIER),
  });
  const serveStatic = config.dashboard.enabled && env.ASSETS ? createAssetReader(env.ASSETS) : undefined;
  // History is sampled by the one scheduler object (background-scheduler.ts), not per isolate.
  const history = async () => {
    try {
      return await schedulerOf(env).history();
    } catch (error) {
      log.warn('history unavailable', { error: String(error) });
      throw routerErrors.stateUnavailable();
    }
  };
  return {
    config,
    router,
    app: createApp({ router, log, serveStatic, history }),
    refusal: inboundAuthProblem(config, secrets, env),
    lingerMs: millisecondsOf(env, 'ROUTER_LINGER_MS', DEFAULT_LINGER_MS),
    stallMs: millisecondsOf(env, 'ROUTER_STALL_MS', DEFAULT_STALL_MS),
  };
}

/**
 * The Worker's router over the shared state objects and the global fetch; `notices` says where its
 * notices go (the notifier object, or, inside that object, a notifier of its own).
 */
export function createWorkerRouter(
  env: WorkerEnv,
  notices: RouterRuntime['notices'],
): Promise<CreatedRouter> {
  return createRouter(configTexts(env), {
    clock: systemClock,
    random: systemRandom,
    secrets: secretsOf(env),
    // Workers expose no memory figure; the dashboard shows the runtime instead.
    systemInfo: () => ({ memoryMb: null, runtime: 'cloudflare-workers', version: pkg.version }),
    log: (config) => createWorkerLogger(config.log.level),
    transport: ({ http_client: http }) =>
      createFetchTransport({
        headersTimeoutMs: Math.min(http.connect_timeout + http.header_timeout, http.request_timeout) * 1000,
        idleTimeoutMs: http.idle_timeout * 1000,
        requestTimeoutMs: http.request_timeout * 1000,
      }),
    state: (_config, models) =>
      new RemoteRouterState(durableStateChannel(env.ROUTER_STATE), { models, onSend: keepAlive }),
    sharedRounds: true,
    tuning: {
      saturationPollMs: SATURATION_POLL_MS,
      leaseMs: millisecondsOf(env, 'ROUTER_LEASE_MS', DEFAULT_LEASE_MS),
    },
    ...(notices ? { notices } : {}),
  });
}

import pkg from '../../package.json' with { type: 'json' };
import {
  createApp,
  LlmRouter,
  type MainConfig,
  type RouterError,
  systemClock,
  systemRandom,
} from '../../src/index.ts';
import { createAssetReader } from './asset-reader.ts';
import { configTexts } from './config-texts.ts';
import { DurableRouterState } from './durable-router-state.ts';
import { millisecondsOf, secretsOf, type WorkerEnv } from './env.ts';
import { createFetchTransport } from './fetch-transport.ts';
import { inboundAuthProblem } from './inbound-auth.ts';
import { parseConfigTexts } from './parse-config.ts';
import { DEFAULT_LINGER_MS } from './request-scope.ts';
import { DEFAULT_STALL_MS } from './track-response.ts';
import { createWorkerLogger } from './worker-logger.ts';

/** Everything one isolate builds once and reuses for every request, cron tick and alarm it serves. */
export interface IsolateRouter {
  readonly config: MainConfig;
  readonly router: LlmRouter;
  readonly app: { fetch(request: Request): Response | Promise<Response> };
  readonly state: DurableRouterState;
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
  const { config, files } = parseConfigTexts(configTexts(env), secrets);
  const log = createWorkerLogger(config.log.level);
  const http = config.http_client;
  // view() fans out to the shards of the models configured right now, which only the router's pool knows.
  const state: DurableRouterState = new DurableRouterState(
    env.ROUTER_STATE,
    () => router.pool.snapshot.models,
  );
  const router: LlmRouter = new LlmRouter({
    config,
    state,
    transport: createFetchTransport({
      headersTimeoutMs: Math.min(http.connect_timeout + http.header_timeout, http.request_timeout) * 1000,
      idleTimeoutMs: http.idle_timeout * 1000,
      requestTimeoutMs: http.request_timeout * 1000,
    }),
    clock: systemClock,
    random: systemRandom,
    log,
    secrets,
    // Workers expose no memory figure; the dashboard shows the runtime instead.
    systemInfo: () => ({ memoryMb: null, runtime: 'cloudflare-workers', version: pkg.version }),
    sharedRounds: true,
    saturationPollMs: SATURATION_POLL_MS,
  });
  for (const file of files) {
    for (const warning of file.warnings) log.warn(warning);
    const change = await router.applyBackendFile(file.file, file.backends, true);
    for (const duplicate of change.duplicates) log.warn('duplicate backend ignored', { backend: duplicate });
  }
  const serveStatic = config.dashboard.enabled && env.ASSETS ? createAssetReader(env.ASSETS) : undefined;
  return {
    config,
    router,
    app: createApp({ router, log, serveStatic }),
    state,
    refusal: inboundAuthProblem(config, secrets, env),
    lingerMs: millisecondsOf(env, 'ROUTER_LINGER_MS', DEFAULT_LINGER_MS),
    stallMs: millisecondsOf(env, 'ROUTER_STALL_MS', DEFAULT_STALL_MS),
  };
}

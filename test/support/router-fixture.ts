import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { type RunningRouter, startRouter } from '../../adapters/node/start-router.ts';
import { type Logger, silentLogger } from '../../src/core/logger.ts';
import { type SimOptionsInput, type SimServer, startSimServer } from '../../tools/sim/index.ts';

/** One `model_list` entry of the test backend file. */
export interface BackendEntry {
  readonly model_name: string;
  /** An api_base (`http://127.0.0.1:PORT/v1`) or a sim, whose `url` is used. */
  readonly api_base: string | SimServer;
  /** `litellm_params.model`; defaults to `openai/<model_name>`. */
  readonly model?: string;
  readonly api_key?: string | null;
  readonly weight?: number;
  readonly rpm_limit?: number | null;
  readonly max_concurrency?: number | null;
  readonly max_num_seqs?: number | null;
  readonly scrape_metrics?: boolean | null;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type ConfigTree = { [key: string]: Json };

/**
 * Defaults for every end-to-end router: loopback, a random port, fast backoff, no probe or scrape during a
 * test (the first health round still runs once at start-up), backend files from the config's own dir.
 */
export function defaultMainConfig(): ConfigTree {
  return {
    server: { host: '127.0.0.1', port: 0, shutdown_grace: 2 },
    routing: { strategy: 'simple-shuffle', num_retries: 3 },
    retry: { base_delay_ms: 1, max_delay_ms: 5, jitter_factor: 0 },
    health_check: { interval: 3600, timeout: 5 },
    monitor: { collect_interval: 3600 },
    backends: { config_dir: '.', enabled_sources: ['self_deployed'] },
    dashboard: { enabled: false },
    log: { level: 'error' },
  };
}

/** Nested objects merge key by key; anything else (arrays included) replaces. */
export function mergeConfig(base: ConfigTree, override: ConfigTree): ConfigTree {
  const out: ConfigTree = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isTree(current) && isTree(value) ? mergeConfig(current, value) : (value as Json);
  }
  return out;
}

function isTree(value: Json | undefined): value is ConfigTree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function backendFileYaml(entries: readonly BackendEntry[]): string {
  const modelList = entries.map((entry) => {
    const params: ConfigTree = {
      model: entry.model ?? `openai/${entry.model_name}`,
      api_base: typeof entry.api_base === 'string' ? entry.api_base : entry.api_base.url,
      api_key: entry.api_key === undefined ? 'dummy' : entry.api_key,
      weight: entry.weight ?? 1,
      source_type: 'self_deployed',
      rpm_limit: entry.rpm_limit ?? null,
    };
    if (entry.max_concurrency !== undefined) params.max_concurrency = entry.max_concurrency;
    if (entry.max_num_seqs !== undefined) params.max_num_seqs = entry.max_num_seqs;
    if (entry.scrape_metrics !== undefined) params.scrape_metrics = entry.scrape_metrics;
    return { model_name: entry.model_name, litellm_params: params };
  });
  // JSON is valid YAML, and quoting every string keeps odd names intact.
  return `${JSON.stringify({ model_list: modelList }, null, 2)}\n`;
}

export interface ConfigDir {
  readonly dir: string;
  /** `<dir>/config.yaml` */
  readonly configPath: string;
  /** `<dir>/self_deployed_test.yaml` */
  readonly backendPath: string;
  remove(): Promise<void>;
}

/**
 * A temp dir holding `config.yaml` (defaults merged with `main`) and `self_deployed_test.yaml`.
 * `rawMain` replaces the whole main file text (for invalid-config tests).
 */
export async function writeConfigDir(options: {
  main?: ConfigTree;
  rawMain?: string;
  backends: readonly BackendEntry[];
}): Promise<ConfigDir> {
  const dir = await mkdtemp(join(tmpdir(), 'llm-router-e2e-'));
  const configPath = join(dir, 'config.yaml');
  const backendPath = join(dir, 'self_deployed_test.yaml');
  const main =
    options.rawMain ?? `${JSON.stringify(mergeConfig(defaultMainConfig(), options.main ?? {}), null, 2)}\n`;
  await writeFile(configPath, main);
  await writeFile(backendPath, backendFileYaml(options.backends));
  return {
    dir,
    configPath,
    backendPath,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

export interface TestRouter {
  readonly url: string;
  readonly running: RunningRouter;
  readonly config: ConfigDir;
  /** Official SDK against this router: `baseURL` `<url>/v1`, no SDK retries. */
  client(apiKey?: string): OpenAI;
  close(): Promise<void>;
}

const FIRST_ROUND_PENDING = 'first health check round has not finished';

/**
 * Writes the config dir and starts the real Node router in-process on 127.0.0.1:0 with a silent log;
 * resolves once the start-up health round is done.
 */
export async function startTestRouter(options: {
  main?: ConfigTree;
  backends: readonly BackendEntry[];
  /** Default: silent. */
  log?: Logger;
}): Promise<TestRouter> {
  const config = await writeConfigDir(options);
  let running: RunningRouter;
  try {
    running = await startRouter({
      configPath: config.configPath,
      port: 0,
      host: '127.0.0.1',
      log: options.log ?? silentLogger,
    });
  } catch (error) {
    await config.remove();
    throw error;
  }
  // The first probe round runs in the background at start-up and decides health (a failed first probe
  // takes a backend out at once): let it finish so tests do not race it.
  const settled = await waitFor(
    async () => (await running.router.readiness()).reason !== FIRST_ROUND_PENDING,
    5000,
  );
  if (!settled) {
    await running.close(0);
    await config.remove();
    throw new Error('first health round did not finish within 5 s');
  }
  return {
    url: running.url,
    running,
    config,
    client: (apiKey = 'client-key-never-forwarded') =>
      new OpenAI({ baseURL: `${running.url}/v1`, apiKey, maxRetries: 0, timeout: 20_000 }),
    async close() {
      await running.close(500);
      await config.remove();
    },
  };
}

/** Starts sims in parallel; `closeAll` shuts every one down (safe to call twice). */
export async function startSims(specs: readonly SimOptionsInput[]): Promise<SimServer[]> {
  return Promise.all(specs.map((spec) => startSimServer({ host: '127.0.0.1', port: 0, ...spec })));
}

export async function closeAll(sims: readonly (SimServer | undefined)[]): Promise<void> {
  await Promise.all(sims.map((sim) => sim?.close()));
}

/** Inference POSTs a sim received on one path (health probes hit /v1/models and are not counted). */
export function inferenceCount(sim: SimServer, path = '/v1/chat/completions'): number {
  return sim.stats().byPath[path] ?? 0;
}

/** Polls `check` until it returns true or `timeoutMs` passes; resolves with the last result. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 2000,
  stepMs = 5,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

/** Attempts the router sent to one backend (`model_name@api_base`), from its live state. */
export async function routerAttempts(running: RunningRouter, backendId: string): Promise<number> {
  const view = await running.router.view();
  return view.backends.find((backend) => backend.id === backendId)?.attempts ?? 0;
}

/**
 * Another client: `requests` chat completions (model `m`, `maxTokens` each) straight to a sim, not through
 * the router, so its queue and /metrics show them. Abort the controller to let them go.
 */
export function occupySim(sim: SimServer, requests: number, maxTokens = 500): AbortController {
  const controller = new AbortController();
  for (let i = 0; i < requests; i++) {
    fetch(`${sim.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }], max_tokens: maxTokens }),
      signal: controller.signal,
    }).catch(() => undefined);
  }
  return controller;
}

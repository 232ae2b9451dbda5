import type { BackgroundScheduler } from './background-scheduler.ts';
import type { NotifierObject } from './notifier-object.ts';
import type { RouterStateObject } from './router-state-object.ts';

/**
 * Bindings the Worker reads (wrangler.toml and `wrangler secret put`). Any other string binding is a
 * secret or var that `os.environ/NAME` in the config may name.
 */
export interface WorkerEnv {
  readonly ROUTER_STATE: DurableObjectNamespace<RouterStateObject>;
  readonly SCHEDULER: DurableObjectNamespace<BackgroundScheduler>;
  /** The one webhook notifier (batches, cooldowns, reports). */
  readonly NOTIFIER: DurableObjectNamespace<NotifierObject>;
  /** Static dashboard (public/), fetched by the Worker so /dashboard/ behaves as on Node. */
  readonly ASSETS?: Fetcher;
  /** Main config YAML text; overrides the config bundled at build time (tests, per-env configs). */
  readonly ROUTER_CONFIG?: string;
  /** JSON object `{ "<file name>": "<backend YAML text>" }`, used together with ROUTER_CONFIG. */
  readonly ROUTER_BACKENDS?: string;
  /** "true" runs without inbound keys (local dev only): otherwise an empty server.api_keys refuses traffic. */
  readonly ALLOW_NO_AUTH?: string;
  /**
   * "caller" makes the state objects trust the caller's timestamps instead of their own clock. Only the
   * RouterState contract suite sets it, to drive windows with a fake clock.
   */
  readonly ROUTER_STATE_CLOCK?: string;
  /**
   * Milliseconds a finished response may keep its invocation alive for outstanding state calls (default
   * 25000, under the platform's 30 s waitUntil limit). Tests shorten it to prove the bound starts when
   * the body ends, not when the request starts.
   */
  readonly ROUTER_LINGER_MS?: string;
  /**
   * Milliseconds a response may wait for the client to take its next chunk before it counts as
   * abandoned and its upstream is cancelled (default 5000, track-response.ts).
   */
  readonly ROUTER_STALL_MS?: string;
  /**
   * Milliseconds an attempt's lease on its backend lasts unrenewed (default 60000, isolate-router.ts):
   * how long a release lost on the way to its Durable Object can hold a max_concurrency slot.
   */
  readonly ROUTER_LEASE_MS?: string;
  readonly [name: string]: unknown;
}

/** `os.environ/NAME` resolves to a string binding (a Worker secret or var) of that name. */
export function secretsOf(env: WorkerEnv): (name: string) => string | undefined {
  return (name) => {
    const value = env[name];
    return typeof value === 'string' ? value : undefined;
  };
}

/** A var holding a positive number of milliseconds, or `fallback` when unset or not one. */
export function millisecondsOf(
  env: WorkerEnv,
  name: 'ROUTER_LINGER_MS' | 'ROUTER_STALL_MS' | 'ROUTER_LEASE_MS',
  fallback: number,
): number {
  const raw = env[name];
  const value = Number(raw);
  return raw !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

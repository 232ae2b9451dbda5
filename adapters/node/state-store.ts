import { Redis } from 'ioredis';
import {
  type Clock,
  ConfigError,
  type Logger,
  type MainConfig,
  MemoryRouterState,
  type Random,
  type RouterState,
  resolveSecret,
} from '../../src/index.ts';
import { RedisRouterState } from './redis-router-state.ts';
import { RedisSharedState } from './redis-shared-state.ts';

/** The router's state as configured (state.store), and how to let go of it at shutdown. */
export interface StateStore {
  readonly state: RouterState;
  close(): Promise<void>;
}

/** A logger whose target is set later: the store opens before the router's logger exists. */
export function forwardingLogger(initial: Logger): Logger & { target: Logger } {
  const forward: Logger & { target: Logger } = {
    target: initial,
    debug: (message, fields) => forward.target.debug(message, fields),
    info: (message, fields) => forward.target.info(message, fields),
    warn: (message, fields) => forward.target.warn(message, fields),
    error: (message, fields) => forward.target.error(message, fields),
  };
  return forward;
}

export interface StateStoreOptions {
  /** config.yaml, named in a ConfigError. */
  readonly configPath: string;
  readonly random: Random;
  readonly clock: Clock;
  readonly log: Logger;
}

/** How long Redis counts an attempt of a replica it no longer hears from (renewed every 10 s). */
export const REDIS_LEASE_MS = 30_000;

/**
 * state.store: `memory` keeps the state in this process; `redis` shares it with every replica through
 * Redis/Valkey (RedisRouterState). A Redis that cannot be reached at start is not fatal: the replica
 * starts degraded and shares as soon as Redis answers.
 */
export async function openStateStore(config: MainConfig, options: StateStoreOptions): Promise<StateStore> {
  if (config.state.store === 'memory')
    return { state: new MemoryRouterState(options.random), close: async () => {} };
  const url = resolveSecret(config.state.url, (name) => process.env[name]);
  if ('error' in url) throw new ConfigError(options.configPath, [`state.url: ${url.error}`]);
  if (!/^rediss?:\/\//.test(url.value))
    throw new ConfigError(options.configPath, ['state.url: must start with redis:// or rediss://']);
  const timeoutMs = config.state.timeout_ms;
  const client = new Redis(url.value, {
    lazyConnect: true,
    connectionName: 'llm-router',
    // Bounded waits, and nothing queued while disconnected: a call that cannot be answered now fails
    // now, and the replica serves on its own state until Redis is back.
    commandTimeout: timeoutMs,
    connectTimeout: Math.max(1000, timeoutMs * 4),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    enableAutoPipelining: true,
    retryStrategy: (times) => Math.min(1000, 100 * times),
  });
  // Connection errors reach the state as failed calls (logged once, as "degraded"), not as events.
  client.on('error', () => undefined);
  // Not reached now: the first heartbeat below says so (degraded), and the client keeps reconnecting.
  await client.connect().catch(() => undefined);
  const state = new RedisRouterState({
    shared: new RedisSharedState(client, config.state.key_prefix),
    random: options.random,
    log: options.log,
    now: () => options.clock.now(),
    leaseMs: REDIS_LEASE_MS,
    timeoutMs,
  });
  await state.start();
  return {
    state,
    async close() {
      await state.close();
      client.disconnect();
    },
  };
}

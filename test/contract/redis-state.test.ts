import { Redis } from 'ioredis';
import { describe } from 'vitest';
import { RedisRouterState } from '../../adapters/node/redis-router-state.ts';
import { RedisSharedState } from '../../adapters/node/redis-shared-state.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { createSeededRandom } from '../../src/index.ts';
import { redisMissing, startRedis } from '../support/redis-server.ts';
import { runRouterStateContract } from './router-state-contract.ts';

const missing = redisMissing();
if (missing) describe.skip(`RouterState contract: Redis (${missing})`, () => {});
else
  runRouterStateContract('state.store: redis (Redis 7 with the Lua scripts)', async () => {
    const redis = await startRedis();
    const client = new Redis(redis.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
    });
    await client.connect();
    const states: RedisRouterState[] = [];
    let prefixes = 0;
    return {
      fresh: async () => {
        const state = new RedisRouterState({
          // The contract drives windows with explicit timestamps: the scripts take the caller's.
          shared: new RedisSharedState(client, `contract${++prefixes}:`, 'caller'),
          random: createSeededRandom(prefixes),
          log: silentLogger,
          now: () => Date.now(),
          leaseMs: 60_000,
          timeoutMs: 250,
        });
        await state.start();
        states.push(state);
        return state;
      },
      close: async () => {
        await Promise.all(states.map((state) => state.close()));
        client.disconnect();
        await redis.close();
      },
    };
  });

/**
 * Shard of client requests that never resolved a model (400/404 before or at the model scan): keeps
 * their counts off every model's shard.
 */
export const GLOBAL_SHARD = 'global';

/** Name of a model's shard (a Durable Object, a Redis key prefix); `null` = the request had no model. */
export function shardName(model: string | null): string {
  return model === null ? GLOBAL_SHARD : `model:${model}`;
}

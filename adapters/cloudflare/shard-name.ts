/** Shard of requests that never resolved a model (400/404 counts): keeps them off every model's object. */
export const GLOBAL_SHARD = 'global';

/** Durable Object name of a model's shard. */
export function shardName(model: string): string {
  return model === '' ? GLOBAL_SHARD : `model:${model}`;
}

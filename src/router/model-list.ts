import type { BackendPool } from '../pool/backend-pool.ts';

export interface ModelObject {
  readonly id: string;
  readonly object: 'model';
  readonly created: number;
  readonly owned_by: string;
}

/** `/v1/models/{id}`: every configured model, healthy or not, `created` stable per model; null if unknown. */
export function modelObject(pool: BackendPool, id: string): ModelObject | null {
  if (pool.snapshot.candidatesOf(id) === undefined) return null;
  return { id, object: 'model', created: pool.modelCreated(id), owned_by: 'llm-router' };
}

/** `/v1/models`: every configured model, healthy or not, sorted. */
export function modelList(pool: BackendPool): { object: 'list'; data: ModelObject[] } {
  return {
    object: 'list',
    data: pool.snapshot.models.map((id) => ({
      id,
      object: 'model',
      created: pool.modelCreated(id),
      owned_by: 'llm-router',
    })),
  };
}

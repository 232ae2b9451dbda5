import type { Backend } from '../pool/backend.ts';

export function groupByModel(backends: readonly Backend[]): Map<string, Backend[]> {
  const groups = new Map<string, Backend[]>();
  for (const backend of backends) {
    const list = groups.get(backend.modelName);
    if (list) list.push(backend);
    else groups.set(backend.modelName, [backend]);
  }
  return groups;
}

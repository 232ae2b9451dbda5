import { routerErrors } from './router-error.ts';

/**
 * Read a request body into its chunks, enforcing the size limit as bytes arrive (a declared
 * Content-Length over the limit is refused before reading anything).
 */
export async function collectBody(
  source: AsyncIterable<Uint8Array>,
  maxBytes: number,
  declaredLength: number | undefined,
): Promise<Uint8Array[]> {
  if (declaredLength !== undefined && declaredLength > maxBytes) throw routerErrors.bodyTooLarge(maxBytes);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of source) {
    total += chunk.byteLength;
    if (total > maxBytes) throw routerErrors.bodyTooLarge(maxBytes);
    chunks.push(chunk);
  }
  return chunks;
}

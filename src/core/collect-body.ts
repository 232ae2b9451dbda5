import { BodyAccumulator } from './body-accumulator.ts';
import { routerErrors } from './router-error.ts';

/**
 * Read a request body into its chunks (BodyAccumulator: memory bounded by the payload, size limit enforced
 * as bytes arrive; a declared Content-Length over the limit is refused before reading anything).
 */
export async function collectBody(
  source: AsyncIterable<Uint8Array>,
  maxBytes: number,
  declaredLength: number | undefined,
): Promise<Uint8Array[]> {
  if (declaredLength !== undefined && declaredLength > maxBytes) throw routerErrors.bodyTooLarge(maxBytes);
  const body = new BodyAccumulator(maxBytes);
  for await (const chunk of source) body.push(chunk);
  return body.finish();
}

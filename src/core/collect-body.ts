import { BodyAccumulator } from './body-accumulator.ts';

/**
 * Read a request body into its chunks (BodyAccumulator: memory bounded by the payload, size limit enforced
 * as bytes arrive; the front door refuses a declared Content-Length over the limit before reading).
 */
export async function collectBody(
  source: AsyncIterable<Uint8Array>,
  maxBytes: number,
): Promise<Uint8Array[]> {
  const body = new BodyAccumulator(maxBytes);
  for await (const chunk of source) body.push(chunk);
  return body.finish();
}

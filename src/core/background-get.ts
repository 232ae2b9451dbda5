import type { UpstreamResponse } from './transport.ts';

/**
 * Largest body a probe or scrape reads: vLLM's /metrics with many histograms is ~100-300 KB and a hosted
 * API's /models with long descriptions ~1 MB; anything far larger is not what was asked for.
 */
export const MAX_BACKGROUND_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Why a probe's or scrape's GET failed. Its own timeout aborts the exchange through the signal, which a
 * transport reports as an abort ("client disconnected"): say what actually happened instead.
 */
export function backgroundFailure(error: unknown, signal: AbortSignal, timeoutMs: number): string {
  if (signal.aborted) return `timeout after ${timeoutMs} ms`;
  return error instanceof Error ? error.message : String(error);
}

/** The body as text, or null (and the exchange cancelled) once it exceeds `maxBytes`. */
export async function readTextCapped(
  response: UpstreamResponse,
  maxBytes = MAX_BACKGROUND_BODY_BYTES,
): Promise<string | null> {
  // One decoder per body: reads run concurrently, and a streaming decoder holds a split character.
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      response.cancel();
      return null;
    }
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}

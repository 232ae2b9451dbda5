import type { Transport } from '../core/transport.ts';
import type { Backend } from '../pool/backend.ts';
import { type EngineLoad, parseEngineLoad } from './engine-load.ts';

export type ScrapeResult =
  | { readonly kind: 'ok'; readonly load: EngineLoad }
  /** The engine has no /metrics (hosted API, proxy in front): stop asking for a long while. */
  | { readonly kind: 'absent'; readonly status: number }
  | { readonly kind: 'error'; readonly message: string };

/** vLLM's page with many histograms is ~100-300 KB; anything far larger is not an engine page. */
const MAX_BYTES = 4 * 1024 * 1024;

/** GET `<base>/metrics` with the backend's key and parse the engine's load from it. */
export async function scrapeEngine(
  transport: Transport,
  backend: Backend,
  timeoutMs: number,
): Promise<ScrapeResult> {
  const headers: Record<string, string> = { accept: 'text/plain' };
  if (backend.apiKey) headers.authorization = `Bearer ${backend.apiKey}`;
  try {
    const response = await transport.send({
      url: backend.metricsUrl,
      method: 'GET',
      headers,
      body: null,
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status === 404 || response.status === 405) {
      response.cancel();
      return { kind: 'absent', status: response.status };
    }
    if (response.status !== 200) {
      response.cancel();
      return { kind: 'error', message: `GET /metrics answered ${response.status}` };
    }
    // One decoder per page: scrapes run concurrently, and a streaming decoder holds a split character.
    const decoder = new TextDecoder();
    let text = '';
    let size = 0;
    for await (const chunk of response.body) {
      size += chunk.byteLength;
      if (size > MAX_BYTES) {
        response.cancel();
        return { kind: 'error', message: '/metrics page too large' };
      }
      text += decoder.decode(chunk, { stream: true });
    }
    text += decoder.decode();
    return { kind: 'ok', load: parseEngineLoad(text) };
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
}

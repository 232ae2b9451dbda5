import { backgroundFailure, readTextCapped } from '../core/background-get.ts';
import type { Transport } from '../core/transport.ts';
import type { Backend } from '../pool/backend.ts';
import { type EngineLoad, parseEngineLoad } from './engine-load.ts';

export type ScrapeResult =
  | { readonly kind: 'ok'; readonly load: EngineLoad }
  /** The engine has no /metrics (hosted API, proxy in front): stop asking for a long while. */
  | { readonly kind: 'absent'; readonly status: number }
  | { readonly kind: 'error'; readonly message: string };

/** GET `<base>/metrics` with the backend's key and parse the engine's load from it. */
export async function scrapeEngine(
  transport: Transport,
  backend: Backend,
  timeoutMs: number,
): Promise<ScrapeResult> {
  const headers: Record<string, string> = { accept: 'text/plain' };
  if (backend.apiKey) headers.authorization = `Bearer ${backend.apiKey}`;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await transport.send({
      url: backend.metricsUrl,
      method: 'GET',
      headers,
      body: null,
      signal,
    });
    if (response.status === 404 || response.status === 405) {
      response.cancel();
      return { kind: 'absent', status: response.status };
    }
    if (response.status !== 200) {
      response.cancel();
      return { kind: 'error', message: `GET /metrics answered ${response.status}` };
    }
    const text = await readTextCapped(response);
    if (text === null) return { kind: 'error', message: '/metrics page too large' };
    return { kind: 'ok', load: parseEngineLoad(text) };
  } catch (error) {
    return { kind: 'error', message: backgroundFailure(error, signal, timeoutMs) };
  }
}

import { backgroundFailure, readTextCapped } from '../core/background-get.ts';
import type { Transport } from '../core/transport.ts';
import type { Backend } from '../pool/backend.ts';

export interface ProbeResult {
  readonly ok: boolean;
  readonly reason: string;
}

/**
 * SPEC §6.1: `GET <api_base>/models` with the backend's key; healthy only on 200 (and, when asked,
 * only if the upstream model id is listed: a vLLM restarted with another model must not get traffic).
 */
export async function probeBackend(
  transport: Transport,
  backend: Backend,
  timeoutMs: number,
  verifyModel: boolean,
): Promise<ProbeResult> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (backend.apiKey) headers.authorization = `Bearer ${backend.apiKey}`;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await transport.send({
      url: `${backend.apiBase}/models`,
      method: 'GET',
      headers,
      body: null,
      signal,
    });
    if (response.status !== 200) {
      response.cancel();
      return { ok: false, reason: `GET /models answered ${response.status}` };
    }
    if (!verifyModel) {
      response.cancel();
      return { ok: true, reason: 'GET /models answered 200' };
    }
    const text = await readTextCapped(response);
    if (text === null) return { ok: false, reason: 'GET /models answer too large' };
    return listsModel(text, backend.upstreamModel)
      ? { ok: true, reason: 'model listed' }
      : { ok: false, reason: `model ${backend.upstreamModel} not listed by /models` };
  } catch (error) {
    return { ok: false, reason: backgroundFailure(error, signal, timeoutMs) };
  }
}

function listsModel(text: string, model: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || !('data' in parsed) || !Array.isArray(parsed.data)) {
      return false;
    }
    return parsed.data.some(
      (entry: unknown) => typeof entry === 'object' && entry !== null && 'id' in entry && entry.id === model,
    );
  } catch {
    return false;
  }
}

import { Agent } from 'undici';
import type { Target } from './bench-config.ts';
import { errorKindOf, errorText } from './error-kind.ts';
import { targetBase } from './target-url.ts';

const PREFLIGHT_TIMEOUT_MS = 5000;

export type Preflight =
  | { readonly ok: true; readonly warning: string | null }
  | { readonly ok: false; readonly message: string };

const HINTS: Record<string, string> = {
  connect_refused: 'connection refused: is the server running, and on this port?',
  connect_timeout: `no connection within ${PREFLIGHT_TIMEOUT_MS / 1000} s`,
  timeout: `no answer within ${PREFLIGHT_TIMEOUT_MS / 1000} s`,
  dns: 'the host name does not resolve',
};

/**
 * One `GET <base>/v1/models` before any load: a dead URL fails here in seconds with a clear message
 * instead of a run full of connection errors. Any HTTP answer proves the server is there; a model list
 * without the requested model is only a warning (gateways may not list every model).
 */
export async function preflight(target: Target, apiKey: string | null): Promise<Preflight> {
  const base = targetBase(target.url);
  const agent = new Agent({
    connect: { timeout: PREFLIGHT_TIMEOUT_MS },
    headersTimeout: PREFLIGHT_TIMEOUT_MS,
    bodyTimeout: PREFLIGHT_TIMEOUT_MS,
  });
  try {
    const response = await agent.request({
      origin: base.origin,
      path: `${base.pathPrefix}/v1/models`,
      method: 'GET',
      headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) return { ok: true, warning: null };
    let ids: string[] = [];
    try {
      const data = (JSON.parse(text) as { data?: { id?: unknown }[] }).data;
      ids = Array.isArray(data) ? data.map((entry) => String(entry.id)) : [];
    } catch {
      return { ok: true, warning: null };
    }
    if (ids.length > 0 && !ids.includes(target.model)) {
      const listed = ids.slice(0, 10).join(', ');
      return { ok: true, warning: `${base.url} does not list model "${target.model}" (it lists: ${listed})` };
    }
    return { ok: true, warning: null };
  } catch (error) {
    const kind = errorKindOf(error);
    return { ok: false, message: `cannot reach ${base.url}: ${HINTS[kind] ?? errorText(error)}` };
  } finally {
    await agent.destroy();
  }
}

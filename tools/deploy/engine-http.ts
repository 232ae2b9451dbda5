import { type EngineLoad, metricsUrlOf, parseEngineLoad } from '../../src/index.ts';

/** What an engine's `/v1/models` says about one served name. */
export type ModelsAnswer =
  | { readonly state: 'serving' }
  /** Answered, but not (yet) with that name: another model, or a proxy in front. */
  | { readonly state: 'other'; readonly detail: string }
  | { readonly state: 'down'; readonly detail: string };

/** Bodies read from engines are capped: a vLLM /metrics page is a few hundred KB. */
const MAX_BODY = 8 << 20;

/** GET `<apiBase>/models` and look for `servedName` among the ids. */
export async function checkModels(
  apiBase: string,
  servedName: string,
  timeoutMs: number,
): Promise<ModelsAnswer> {
  let body: string;
  try {
    const res = await fetch(`${apiBase}/models`, { signal: AbortSignal.timeout(timeoutMs) });
    body = await readCapped(res);
    if (res.status !== 200) return { state: 'down', detail: `HTTP ${res.status}` };
  } catch (error) {
    return { state: 'down', detail: reason(error) };
  }
  let ids: string[];
  try {
    const parsed = JSON.parse(body) as { data?: Array<{ id?: unknown }> };
    ids = (parsed.data ?? []).flatMap((m) => (typeof m.id === 'string' ? [m.id] : []));
  } catch {
    return { state: 'other', detail: 'answered /v1/models with something that is not JSON' };
  }
  if (ids.includes(servedName)) return { state: 'serving' };
  return { state: 'other', detail: `serves ${ids.length === 0 ? 'no model' : ids.slice(0, 3).join(', ')}` };
}

/** The engine's load from its Prometheus `/metrics` (the router's own parser), null when unavailable. */
export async function fetchEngineLoad(apiBase: string, timeoutMs: number): Promise<EngineLoad | null> {
  try {
    const res = await fetch(metricsUrlOf(apiBase), { signal: AbortSignal.timeout(timeoutMs) });
    const text = await readCapped(res);
    return res.status === 200 ? parseEngineLoad(text) : null;
  } catch {
    return null;
  }
}

async function readCapped(res: Response): Promise<string> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY) {
      await reader.cancel();
      throw new Error(`response larger than ${MAX_BODY} bytes`);
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

function reason(error: unknown): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') return 'timed out';
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

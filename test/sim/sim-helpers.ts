import { performance } from 'node:perf_hooks';

export interface SseEvent {
  data: string;
  /** performance.now() when the bytes carrying the event arrived. */
  at: number;
}

/** Reads an SSE body event by event, timestamping each at arrival. */
export async function readSse(res: Response): Promise<SseEvent[]> {
  if (!res.body) throw new Error('no body');
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = '';
  for await (const chunk of res.body) {
    const at = performance.now();
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (block.startsWith('data: ')) events.push({ data: block.slice(6), at });
      end = buffer.indexOf('\n\n');
    }
  }
  return events;
}

/** Sum of every sample of `name` (any labels) in a Prometheus text exposition; NaN when absent. */
export function metricValue(text: string, name: string): number {
  let sum = 0;
  let seen = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    sum += value;
    seen = true;
  }
  return seen ? sum : Number.NaN;
}

export function postJson(url: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    ...init,
    headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export function chatBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: 'demo-model', messages: [{ role: 'user', content: 'Hello, simulated world!' }], ...extra };
}

/** The root URL (for /metrics and /health) from an api_base ending in /v1. */
export function rootOf(apiBase: string): string {
  return apiBase.replace(/\/v1$/, '');
}

/** Resolves with the error code of a failed fetch (ECONNREFUSED, ECONNRESET, ...). */
export async function fetchErrorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code ?? String(error);
  }
  return 'no error';
}

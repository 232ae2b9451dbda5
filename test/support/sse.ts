import { performance } from 'node:perf_hooks';

export interface SseEvent {
  /** The `data:` payload of one event (`[DONE]` included). */
  readonly data: string;
  /** `performance.now()` when the bytes completing the event arrived. */
  readonly at: number;
}

/**
 * Yields the events of an SSE body one by one as they arrive, so a test can stop (and abort) after the
 * first, or timestamp each. Only `data:` lines are kept; several `data:` lines of one event join with `\n`.
 */
export async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = body.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      const at = performance.now();
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, '\n');
      let end = buffer.indexOf('\n\n');
      while (end !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
        if (data.length > 0) yield { data: data.join('\n'), at };
        end = buffer.indexOf('\n\n');
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** Reads a whole SSE body. */
export async function readSse(body: ReadableStream<Uint8Array>): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of sseEvents(body)) events.push(event);
  return events;
}

/** Sum of every sample of `name` whose labels contain `labels` (e.g. `outcome="failure"`); NaN when absent. */
export function metricValue(text: string, name: string, labels = ''): number {
  let sum = 0;
  let seen = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labels !== '' && !line.slice(name.length).includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    seen = true;
  }
  return seen ? sum : Number.NaN;
}

export function chatJson(model: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }], ...extra });
}

import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

/** One streamed chat completion as the client saw it; times are ms from the request's scheduled start. */
export interface StreamOutcome {
  readonly status: number;
  /** `x-llm-router-backend` (through the router), else null. */
  readonly backendHeader: string | null;
  /** First SSE `data:` event whose delta carries non-empty content. */
  readonly ttftMs: number | null;
  readonly e2eMs: number | null;
  readonly contentEvents: number;
  readonly error: string | null;
}

export interface StreamTarget {
  readonly host: string;
  readonly port: number;
}

/** Keep-alive, no socket cap: the client must never be the queue. */
export function createClientAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY, maxFreeSockets: 4096 });
}

const BACKEND_HEADER = 'x-llm-router-backend';

/** Reads the delta content of one `data: {...}` event (chat.completion.chunk); '' when absent. */
function deltaContent(json: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return '';
  }
  if (typeof parsed !== 'object' || parsed === null || !('choices' in parsed)) return '';
  const choices = parsed.choices;
  if (!Array.isArray(choices)) return '';
  const first: unknown = choices[0];
  if (typeof first !== 'object' || first === null || !('delta' in first)) return '';
  const delta = first.delta;
  if (typeof delta !== 'object' || delta === null || !('content' in delta)) return '';
  return typeof delta.content === 'string' ? delta.content : '';
}

/**
 * POST /v1/chat/completions with `stream: true` and read the SSE stream event by event. `startedAt` is the
 * performance.now() the request was scheduled for (open loop: a late send counts against the figures).
 */
export function streamChat(
  agent: Agent,
  target: StreamTarget,
  body: string,
  startedAt: number,
  timeoutMs: number,
): Promise<StreamOutcome> {
  return new Promise((resolve) => {
    let status = 0;
    let backendHeader: string | null = null;
    let ttftMs: number | null = null;
    let contentEvents = 0;
    let buffer = '';
    let settled = false;
    const finish = (e2eMs: number | null, error: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ status, backendHeader, ttftMs, e2eMs, contentEvents, error });
    };
    const req = request(
      {
        agent,
        host: target.host,
        port: target.port,
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        status = res.statusCode ?? 0;
        const header = res.headers[BACKEND_HEADER];
        backendHeader = Array.isArray(header) ? (header[0] ?? null) : (header ?? null);
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end = buffer.indexOf('\n\n');
          while (end >= 0) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf('\n\n');
            if (!event.startsWith('data: ') || event === 'data: [DONE]') continue;
            // Only the first content event needs a parse; later ones are counted by a cheap substring test.
            if (ttftMs === null) {
              if (deltaContent(event.slice(6)) !== '') {
                ttftMs = performance.now() - startedAt;
                contentEvents++;
              }
            } else if (event.includes('"content":"') && !event.includes('"content":""')) contentEvents++;
          }
        });
        res.on('end', () => {
          if (status !== 200) finish(null, `HTTP ${status}`);
          else finish(performance.now() - startedAt, null);
        });
        res.on('error', (error) => finish(null, error.message));
        res.on('aborted', () => finish(null, 'response aborted'));
        res.on('close', () => finish(null, 'connection closed before the end of the stream'));
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error('client timeout'));
    }, timeoutMs);
    req.setNoDelay(true);
    req.on('error', (error) => finish(null, error.message));
    req.end(body);
  });
}

export function chatBody(model: string, promptChars: number, maxTokens: number, index: number): string {
  const words = `request ${index}: ${'lorem ipsum dolor sit amet '.repeat(Math.ceil(promptChars / 27))}`;
  return JSON.stringify({
    model,
    messages: [{ role: 'user', content: words.slice(0, Math.max(1, promptChars)) }],
    stream: true,
    max_tokens: maxTokens,
  });
}

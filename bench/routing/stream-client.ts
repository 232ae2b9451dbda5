import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { type RequestTarget, requestHeaders, sendLlmRequest } from '../../tools/bench/index.ts';

/** One streamed chat completion as the client saw it; times are ms from the request's scheduled start. */
export interface StreamOutcome {
  readonly status: number;
  /** `x-llm-router-backend` (through the router), else null. */
  readonly backendHeader: string | null;
  /** First SSE event whose delta carries content. */
  readonly ttftMs: number | null;
  readonly e2eMs: number | null;
  readonly contentEvents: number;
  readonly error: string | null;
}

export interface StreamTarget {
  readonly host: string;
  readonly port: number;
}

/**
 * The routing benchmark's client: `llm-router bench`'s own request code (tools/bench), one keep-alive
 * pool per target with no socket cap, so the client is never the queue.
 */
export interface StreamClient {
  target(target: StreamTarget): RequestTarget;
  destroy(): Promise<void>;
}

export function createStreamClient(): StreamClient {
  const pools = new Map<string, RequestTarget>();
  const headers = requestHeaders({ stream: true, apiKey: null, extra: [] });
  return {
    target({ host, port }) {
      const origin = `http://${host}:${port}`;
      let target = pools.get(origin);
      if (!target) {
        target = { dispatcher: new Pool(origin, { connections: null, pipelining: 1 }), origin, headers };
        pools.set(origin, target);
      }
      return target;
    },
    async destroy() {
      await Promise.all([...pools.values()].map((target) => target.dispatcher.destroy()));
      pools.clear();
    },
  };
}

/**
 * POST /v1/chat/completions with `stream: true`, measured by tools/bench's exchange. `scheduledAt` is the
 * performance.now() the request was scheduled for (open loop: a late send counts against the figures).
 */
export async function streamChat(
  client: StreamClient,
  target: StreamTarget,
  body: string,
  scheduledAt: number,
  timeoutMs: number,
): Promise<StreamOutcome> {
  const request = sendLlmRequest(
    client.target(target),
    { path: '/v1/chat/completions', body: Buffer.from(body), promptTokens: 0 },
    () => performance.now(),
  );
  const timer = setTimeout(() => request.cancel(), timeoutMs);
  const result = await request.done;
  clearTimeout(timer);
  const late = result.startedAt - scheduledAt;
  const ok = result.errorKind === null && !result.cancelled;
  return {
    status: result.status,
    backendHeader: result.backend,
    ttftMs: result.ttftMs === null ? null : late + result.ttftMs,
    e2eMs: ok ? late + result.latencyMs : null,
    contentEvents: result.outputTokens,
    error: ok ? null : result.cancelled ? 'client timeout' : (result.error ?? result.errorKind ?? 'failed'),
  };
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

import { Pool } from 'undici';
import type { RequestTarget } from './llm-request.ts';
import { targetBase } from './target-url.ts';

/** A request target and the pool behind it, which the caller destroys when done. */
export interface OwnedTarget {
  readonly target: RequestTarget;
  /** `target.url` without `/v1`: where `/v1/...` paths go. */
  readonly pathPrefix: string;
  close(): Promise<void>;
}

/**
 * A keep-alive pool to one server for the load generator: `connections` caps the sockets (a closed
 * loop's concurrency; null opens as many as the load needs), and `timeoutMs` bounds the connect, the
 * wait for the response head and the wait between two body chunks.
 */
export function createRequestTarget(options: {
  url: string;
  connections: number | null;
  timeoutMs: number;
  headers: Readonly<Record<string, string>>;
}): OwnedTarget {
  const base = targetBase(options.url);
  const pool = new Pool(base.origin, {
    connections: options.connections,
    pipelining: 1,
    // A saturated server accepts late (a full listen backlog): slow, not failed, within the timeout.
    connect: { timeout: options.timeoutMs },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  return {
    target: { dispatcher: pool, origin: base.origin, headers: options.headers },
    pathPrefix: base.pathPrefix,
    // destroy, not close: an interrupted run may leave sockets the server keeps open.
    close: () => pool.destroy(),
  };
}

/** The headers every bench request carries. */
export function requestHeaders(options: {
  stream: boolean;
  apiKey: string | null;
  extra: readonly (readonly [string, string])[];
}): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: options.stream ? 'text/event-stream' : 'application/json',
    'user-agent': 'llm-router-bench',
  };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  for (const [name, value] of options.extra) headers[name.toLowerCase()] = value;
  return headers;
}

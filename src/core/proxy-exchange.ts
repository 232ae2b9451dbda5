import type { AbortSignalLike, HeaderRecord } from './transport.ts';

/** A client request to a proxied `/v1/*` path, as either runtime can produce it without Web-stream costs. */
export interface ProxyRequest {
  /** Path below `/v1/`, e.g. `chat/completions`. */
  readonly path: string;
  /** The client's query with its `?` (or ''), appended to the upstream URL unchanged. */
  readonly query?: string;
  readonly headers: Readonly<HeaderRecord>;
  /** Raw body chunks as read (kept separate: large bodies are never copied). */
  readonly body: readonly Uint8Array[];
  /** Fires when the client goes away; aborts the upstream at once. */
  readonly signal: AbortSignalLike;
}

export interface ProxyResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  /** Streamed body; the adapter must stop iterating (calling `return`) if its client goes away. */
  readonly body: AsyncIterable<Uint8Array> | Uint8Array;
}

/** First value of a header that may repeat. */
export function headerValue(headers: Readonly<HeaderRecord>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Header map as both runtimes can produce cheaply: lower-case names; repeated headers as arrays. */
export type HeaderRecord = Record<string, string | string[] | undefined>;

/**
 * The part of AbortSignal the core relies on. A real AbortSignal satisfies it; the Node adapter passes a
 * lighter object per request (an AbortController costs several microseconds on Node's hot path).
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface UpstreamRequest {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  /** Body as the chunks read from the client (never concatenated). */
  readonly body: readonly Uint8Array[] | null;
  /** Aborts the exchange at any stage (client gone, shutdown). */
  readonly signal: AbortSignalLike;
}

export interface UpstreamResponse {
  readonly status: number;
  readonly headers: HeaderRecord;
  /** Streamed as it arrives; errors thrown while iterating mean the upstream broke mid-body. */
  readonly body: AsyncIterable<Uint8Array>;
  /** Stop reading and release or close the connection. Safe to call more than once. */
  cancel(): void;
}

/**
 * One upstream HTTP exchange. Node implements it on undici's dispatcher API (fetch costs ~7x more CPU
 * there, see bench/overhead); Workers use the global fetch. Failures before the response headers must
 * be thrown as TransportError.
 */
export interface Transport {
  send(request: UpstreamRequest): Promise<UpstreamResponse>;
}

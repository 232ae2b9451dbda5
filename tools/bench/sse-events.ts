const NEWLINE = 0x0a;
const DATA = Buffer.from('data:');
/** A content-bearing chunk: non-empty text, content or reasoning, or a tool call (compact or spaced JSON). */
const CONTENT = /"(?:content|text|reasoning_content|reasoning)"\s*:\s*"(?!")|"tool_calls"\s*:\s*\[\s*\{/;
const USAGE = /"usage"\s*:\s*\{/;

/** What one SSE `data:` payload meant to a benchmark. */
export interface SseSink {
  /** The server's token counts (`stream_options.include_usage`). */
  onStreamUsage(promptTokens: number | null, completionTokens: number | null): void;
  /** An `{"error": ...}` event: the server failed after the stream started. */
  onStreamError(message: string): void;
  /** `data: [DONE]`. */
  onStreamDone(): void;
}

function parseUsage(payload: string, sink: SseSink): void {
  try {
    const usage = (
      JSON.parse(payload) as { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } }
    ).usage;
    const count = (value: unknown) => (typeof value === 'number' && value >= 0 ? value : null);
    sink.onStreamUsage(count(usage?.prompt_tokens), count(usage?.completion_tokens));
  } catch {
    // A malformed usage chunk leaves the counted events as the token count.
  }
}

function errorMessage(payload: string): string {
  try {
    const error = (JSON.parse(payload) as { error?: { message?: unknown } }).error;
    return typeof error?.message === 'string' ? error.message : payload.slice(0, 200);
  } catch {
    return payload.slice(0, 200);
  }
}

/**
 * Incremental reader of an OpenAI-style event stream, fed the raw chunks as they arrive. Only `data:`
 * lines matter; a line split across chunks is carried over. Content is recognised by a pattern on the
 * raw JSON (no parse per token: 10,000 streams make that the client's main cost); chunks carrying usage
 * or an error are parsed.
 */
export class SseEvents {
  #carry: Buffer | null = null;

  constructor(private readonly sink: SseSink) {}

  /** Feeds one chunk; returns how many content-bearing events (tokens, in the usual streams) it held. */
  push(chunk: Buffer): number {
    let data = chunk;
    if (this.#carry) {
      data = Buffer.concat([this.#carry, chunk]);
      this.#carry = null;
    }
    let contents = 0;
    let start = 0;
    for (let end = data.indexOf(NEWLINE); end !== -1; end = data.indexOf(NEWLINE, start)) {
      if (this.#line(data, start, end)) contents++;
      start = end + 1;
    }
    if (start < data.length) this.#carry = data.subarray(start);
    return contents;
  }

  /** Handles one line without its newline; true when it was a content event. */
  #line(data: Buffer, start: number, end: number): boolean {
    let stop = end;
    if (stop > start && data[stop - 1] === 0x0d) stop--;
    if (stop - start < DATA.length || data.compare(DATA, 0, DATA.length, start, start + DATA.length) !== 0)
      return false;
    const payload = data.toString('utf8', start + DATA.length, stop).trim();
    if (payload === '[DONE]') {
      this.sink.onStreamDone();
      return false;
    }
    if (payload.startsWith('{"error"') || /^\{\s*"error"\s*:/.test(payload)) {
      this.sink.onStreamError(errorMessage(payload));
      return false;
    }
    if (USAGE.test(payload)) parseUsage(payload, this.sink);
    return CONTENT.test(payload);
  }
}

import type { Dispatcher } from 'undici';
import { type ErrorKind, errorKindOf, errorText } from './error-kind.ts';
import type { PreparedRequest } from './request-source.ts';
import { SseEvents, type SseSink } from './sse-events.ts';

/** What one request measured. Times are milliseconds; `startedAt` is on the shared epoch clock. */
export interface RequestResult {
  readonly startedAt: number;
  /** HTTP status, 0 when no response head arrived. */
  readonly status: number;
  /** null for a success. */
  readonly errorKind: ErrorKind | null;
  /** Short detail for failures (the server's error message, the socket error). */
  readonly error: string | null;
  /** Stopped by the benchmark itself (Ctrl-C, end of an A/B phase): not a result either way. */
  readonly cancelled: boolean;
  /** Send to last byte. */
  readonly latencyMs: number;
  /** Send to the first content-bearing event (streams only). */
  readonly ttftMs: number | null;
  /** Gaps between consecutive content events; 0 for events that arrived in the same read. */
  readonly itlMs: readonly number[];
  /** From the server's `usage` when sent, else the content events counted. */
  readonly outputTokens: number;
  readonly promptTokens: number;
  /** Content events that arrived in the same read as the one before (a proxy that buffers shows here). */
  readonly clumped: number;
  /** The router's `x-llm-router-backend` answer header (which backend served it), else null. */
  readonly backend: string | null;
}

/** Where requests go: one dispatcher (a pool sized for the load), its origin and the fixed headers. */
export interface RequestTarget {
  readonly dispatcher: Dispatcher;
  readonly origin: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Largest non-stream body kept for its usage numbers; the rest is read and dropped. */
const MAX_JSON_BYTES = 32 * 1024 * 1024;
const MAX_ERROR_BYTES = 2048;
const BACKEND_HEADER = 'x-llm-router-backend';

class Cancelled extends Error {
  override readonly name = 'Cancelled';
}

/**
 * One request on undici's dispatcher handler API: chunks are inspected as they arrive (no stream object
 * per request), which keeps the client light enough to hold 10,000 streams in a few processes.
 */
class LlmExchange implements Dispatcher.DispatchHandler, SseSink {
  #controller: Dispatcher.DispatchController | null = null;
  #status = 0;
  #backend: string | null = null;
  #events: SseEvents | null = null;
  #body: Buffer[] = [];
  #bodyBytes = 0;
  #firstContent = -1;
  #lastContent = -1;
  readonly #gaps: number[] = [];
  #contents = 0;
  #clumped = 0;
  #usagePrompt: number | null = null;
  #usageOutput: number | null = null;
  #streamError: string | null = null;
  #done = false;
  #cancel: Cancelled | null = null;
  #settled = false;

  constructor(
    private readonly prepared: PreparedRequest,
    private readonly now: () => number,
    private readonly startedAt: number,
    private readonly resolve: (result: RequestResult) => void,
  ) {}

  cancel(): void {
    if (this.#cancel) return;
    this.#cancel = new Cancelled('cancelled by the benchmark');
    this.#controller?.abort(this.#cancel);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#cancel) controller.abort(this.#cancel);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.#status = statusCode;
    const backend = headers[BACKEND_HEADER];
    this.#backend = (Array.isArray(backend) ? backend[0] : backend) ?? null;
    const type = String(headers['content-type'] ?? '');
    if (statusCode >= 200 && statusCode < 300 && type.includes('text/event-stream'))
      this.#events = new SseEvents(this);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#events) {
      const contents = this.#events.push(chunk);
      if (contents === 0) return;
      const at = this.now();
      if (this.#firstContent < 0) this.#firstContent = at;
      else this.#gaps.push(at - this.#lastContent);
      for (let i = 1; i < contents; i++) this.#gaps.push(0);
      this.#clumped += contents - 1;
      this.#contents += contents;
      this.#lastContent = at;
      return;
    }
    const limit = this.#status >= 200 && this.#status < 300 ? MAX_JSON_BYTES : MAX_ERROR_BYTES;
    if (this.#bodyBytes < limit) this.#body.push(chunk);
    this.#bodyBytes += chunk.length;
  }

  onResponseEnd(): void {
    const end = this.now();
    if (this.#status < 200 || this.#status >= 300) {
      this.#finish(end, `http_${this.#status}`, this.#errorBody());
      return;
    }
    if (this.#events) {
      if (this.#streamError !== null) this.#finish(end, 'stream_error', this.#streamError);
      else if (!this.#done) this.#finish(end, 'incomplete', 'the stream ended without data: [DONE]');
      else this.#finish(end, null, null);
      return;
    }
    this.#readJson(end);
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    if (this.#cancel) {
      this.#finish(this.now(), null, null);
      return;
    }
    // After a response head, a socket error means the body was cut off.
    const kind = errorKindOf(error);
    this.#finish(this.now(), this.#status > 0 && kind === 'other' ? 'incomplete' : kind, errorText(error));
  }

  onStreamUsage(promptTokens: number | null, completionTokens: number | null): void {
    this.#usagePrompt = promptTokens;
    this.#usageOutput = completionTokens;
  }

  onStreamError(message: string): void {
    this.#streamError = message;
  }

  onStreamDone(): void {
    this.#done = true;
  }

  #readJson(end: number): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.concat(this.#body).toString('utf8'));
    } catch {
      this.#finish(end, 'bad_response', 'the response body is not JSON');
      return;
    }
    const body = parsed as {
      usage?: { prompt_tokens?: unknown; completion_tokens?: unknown };
      choices?: { message?: { content?: unknown }; text?: unknown }[];
    };
    if (!Array.isArray(body.choices)) {
      this.#finish(end, 'bad_response', 'the response has no "choices"');
      return;
    }
    const usage = body.usage;
    if (typeof usage?.prompt_tokens === 'number') this.#usagePrompt = usage.prompt_tokens;
    if (typeof usage?.completion_tokens === 'number') this.#usageOutput = usage.completion_tokens;
    else {
      // No usage: estimate from the text, four characters per token like the prompt estimate.
      const text = body.choices.map((c) => String(c.message?.content ?? c.text ?? '')).join('');
      this.#usageOutput = Math.ceil(text.length / 4);
    }
    this.#finish(end, null, null);
  }

  #errorBody(): string {
    const text = Buffer.concat(this.#body).toString('utf8').slice(0, MAX_ERROR_BYTES);
    try {
      const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
      if (typeof message === 'string') return message;
    } catch {
      // not JSON: the raw text
    }
    return text.trim().slice(0, 200) || `HTTP ${this.#status}`;
  }

  #finish(end: number, errorKind: ErrorKind | null, error: string | null): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#body = [];
    this.resolve({
      startedAt: this.startedAt,
      status: this.#status,
      errorKind: this.#cancel ? null : errorKind,
      error: this.#cancel ? null : error,
      cancelled: this.#cancel !== null,
      latencyMs: end - this.startedAt,
      ttftMs: this.#firstContent >= 0 ? this.#firstContent - this.startedAt : null,
      itlMs: this.#gaps,
      outputTokens: this.#usageOutput ?? this.#contents,
      promptTokens: this.#usagePrompt ?? this.prepared.promptTokens,
      clumped: this.#clumped,
      backend: this.#backend,
    });
  }
}

/** A request in flight: `done` always resolves (failures are results too); `cancel` ends it early. */
export interface InFlight {
  readonly done: Promise<RequestResult>;
  cancel(): void;
}

/** Sends one prepared request and measures it on the `now` clock (epoch milliseconds). */
export function sendLlmRequest(
  target: RequestTarget,
  prepared: PreparedRequest,
  now: () => number,
): InFlight {
  let exchange!: LlmExchange;
  const startedAt = now();
  const done = new Promise<RequestResult>((resolve) => {
    exchange = new LlmExchange(prepared, now, startedAt, resolve);
  });
  try {
    target.dispatcher.dispatch(
      {
        origin: target.origin,
        path: prepared.path,
        method: 'POST',
        headers: target.headers,
        body: prepared.body,
      },
      exchange,
    );
  } catch (error) {
    exchange.onResponseError(undefined, error as Error);
  }
  return { done, cancel: () => exchange.cancel() };
}

import { connect, type Socket } from 'node:net';
import type { LogFields, Logger } from '../../src/core/logger.ts';
import { type SimServer, startSimServer } from '../../tools/sim/index.ts';
import { sseEvents } from '../support/sse.ts';

/** Helpers shared by the fault-injection suite (test/reliability). */

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly ms: number;
}

/** A chat body whose generation takes `maxTokens` tokens at the sim's rate. */
export function chatBody(model: string, maxTokens: number, stream = false): string {
  return JSON.stringify({
    model,
    messages: [{ role: 'user', content: 'hi' }],
    max_tokens: maxTokens,
    stream,
  });
}

/** POST /v1/chat/completions; network errors become status 0 with the message as text. */
export async function postChat(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const started = performance.now();
  try {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, ms: performance.now() - started };
  } catch (error) {
    return {
      status: 0,
      headers: new Headers(),
      text: `${String(error)} ${String((error as { cause?: unknown }).cause)}`,
      ms: performance.now() - started,
    };
  }
}

export interface StreamResult {
  readonly status: number;
  /** `data:` payloads in order (`[DONE]` included). */
  readonly data: string[];
  /** True when the last event is `[DONE]`. */
  readonly done: boolean;
  /** Content deltas received. */
  readonly tokens: number;
  /** The backend the router chose (`x-llm-router-backend`). */
  readonly backend: string;
  /** Set when the body broke off (socket cut) or an SSE error event arrived. */
  readonly error: string | null;
}

export interface OpenStream {
  readonly status: number;
  readonly backend: string;
  /** Resolves once the first event arrived. */
  readonly firstEvent: Promise<void>;
  /** Resolves when the body ended, however it ended. */
  readonly result: Promise<StreamResult>;
}

/** Opens a streaming chat request and reads it in the background. */
export async function openStream(url: string, model: string, maxTokens: number): Promise<OpenStream> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: chatBody(model, maxTokens, true),
  });
  const backend = res.headers.get('x-llm-router-backend') ?? '';
  let signalFirst: () => void = () => {};
  const firstEvent = new Promise<void>((resolve) => {
    signalFirst = resolve;
  });
  const result = (async (): Promise<StreamResult> => {
    const data: string[] = [];
    let tokens = 0;
    let error: string | null = null;
    if (res.status !== 200 || res.body === null) {
      signalFirst();
      return { status: res.status, data, done: false, tokens, backend, error: await res.text() };
    }
    try {
      for await (const event of sseEvents(res.body)) {
        data.push(event.data);
        signalFirst();
        if (event.data === '[DONE]') continue;
        const parsed = JSON.parse(event.data) as {
          error?: unknown;
          choices?: { delta?: { content?: string } }[];
        };
        if (parsed.error !== undefined) error = JSON.stringify(parsed.error);
        if (parsed.choices?.[0]?.delta?.content) tokens++;
      }
    } catch (caught) {
      error = String(caught);
    }
    signalFirst();
    return { status: res.status, data, done: data[data.length - 1] === '[DONE]', tokens, backend, error };
  })();
  return { status: res.status, backend, firstEvent, result };
}

/** The parts of `GET /api/dashboard` these tests read. */
export interface DashboardJson {
  readonly system: { readonly strategy: string };
  readonly requests: {
    readonly total: number;
    readonly success: number;
    readonly failures: number;
    readonly rejected: number;
  };
  readonly backends: readonly {
    readonly id: string;
    readonly healthy: boolean;
    readonly weight: number;
    readonly total_requests: number;
    readonly failures: number;
    readonly ejected: boolean;
    readonly last_error: string | null;
  }[];
  readonly config_errors: readonly { readonly file: string; readonly message: string }[];
}

export async function dashboard(url: string): Promise<DashboardJson> {
  const res = await fetch(`${url}/api/dashboard`);
  if (res.status !== 200) throw new Error(`/api/dashboard answered ${res.status}`);
  return (await res.json()) as DashboardJson;
}

export interface ConcurrencyProbe {
  readonly peak: () => number;
  readonly current: () => number;
  readonly stop: () => void;
}

/** Counts a sim's concurrent requests on one path from its request/complete/cancel events. */
export function trackConcurrency(sim: SimServer, path = '/v1/chat/completions'): ConcurrencyProbe {
  let current = 0;
  let peak = 0;
  const onRequest = (info: { path: string }) => {
    if (info.path !== path) return;
    current++;
    peak = Math.max(peak, current);
  };
  const onEnd = (info: { path: string }) => {
    if (info.path === path) current--;
  };
  sim.events.on('request', onRequest);
  sim.events.on('complete', onEnd);
  sim.events.on('cancel', onEnd);
  return {
    peak: () => peak,
    current: () => current,
    stop: () => {
      sim.events.off('request', onRequest);
      sim.events.off('complete', onEnd);
      sim.events.off('cancel', onEnd);
    },
  };
}

export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: LogFields;
}

/** A logger that keeps every line, for asserting what was reported. */
export function capturingLogger(): Logger & { readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (message: string, fields: LogFields = {}) => {
      lines.push({ level, message, fields });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Resolves with the socket once connected, or with the connect error's code (e.g. `ECONNREFUSED`). */
export function tryConnect(port: number): Promise<Socket | string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(socket));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** An api_base whose port refuses connections: a sim that was started, then crashed (stopped). */
export async function refusedApiBase(): Promise<{ url: string; sim: SimServer }> {
  const sim = await startSimServer({ host: '127.0.0.1', port: 0 });
  await sim.stop();
  return { url: sim.url, sim };
}

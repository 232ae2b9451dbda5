import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { errorBody } from './sim-openai.ts';

/** Bodies above this are refused: the sim is a benchmark target, not a store. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export function sendJson(
  res: ServerResponse,
  status: number,
  body: string,
  extra?: OutgoingHttpHeaders,
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...extra,
  });
  res.end(body);
}

export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  type: string,
  extra?: OutgoingHttpHeaders,
): void {
  sendJson(res, status, errorBody(message, type, status), extra);
}

/** Resolves with the body as text, or null when the client went away or the body is too large. */
export function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(
        chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8'),
      ),
    );
    req.on('error', () => resolve(null));
    req.on('close', () => resolve(null));
  });
}

/**
 * Lifetime of one request on the server side: collects timers and cancel hooks so that whichever way the
 * exchange ends (finished, client gone, server crash) everything it started is stopped exactly once.
 */
export class RequestScope {
  closed = false;
  /** Set when the sim itself kills the connection (injected drop), so it is not reported as a client cancel. */
  serverAborted = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly cleanups: Array<() => void> = [];

  /** Resolves true after `ms`, or false at once if the scope closes first. */
  sleep(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve(!this.closed);
      }, ms);
      this.timers.add(timer);
      this.cleanups.push(() => resolve(false));
    });
  }

  onClose(cleanup: () => void): void {
    if (this.closed) cleanup();
    else this.cleanups.push(cleanup);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }
}

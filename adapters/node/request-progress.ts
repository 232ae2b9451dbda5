import { subscribe } from 'node:diagnostics_channel';

/**
 * How far one upstream request got, as undici reports it on its diagnostics channels (its handler API
 * says nothing about sockets or about the body being written). Decides whether a failure may be resent:
 * see `UpstreamFailure.sent` and the stale keep-alive rule in undici-transport.ts.
 */
export interface RequestProgress {
  readonly path: string;
  /** The headers went out on a socket that had carried an earlier request (a pooled keep-alive socket). */
  reusedSocket: boolean;
  /** Headers and body were written whole. */
  sent: boolean;
}

/** Requests written per socket (weakly held: sockets come and go with the pool). */
const uses = new WeakMap<object, number>();
const progressOf = new WeakMap<object, RequestProgress>();
let starting: RequestProgress | null = null;

// undici calls the handler's onRequestStart and then, in the same synchronous call, writes the headers
// and publishes sendHeaders with the socket: the request being started is the one whose headers these are.
subscribe('undici:client:sendHeaders', (message) => {
  const { request, socket } = message as { request: { path: string }; socket: object };
  const count = uses.get(socket) ?? 0;
  uses.set(socket, count + 1);
  const progress = starting;
  starting = null;
  if (progress === null || request.path !== progress.path) return;
  progress.reusedSocket = count > 0;
  progressOf.set(request, progress);
});

subscribe('undici:request:bodySent', (message) => {
  const progress = progressOf.get((message as { request: object }).request);
  if (progress) progress.sent = true;
});

/** A fresh record for a request to `path`. */
export function requestProgress(path: string): RequestProgress {
  return { path, reusedSocket: false, sent: false };
}

/** Called from the handler's onRequestStart: the next headers undici writes are this request's. */
export function expectHeaders(progress: RequestProgress): void {
  starting = progress;
}

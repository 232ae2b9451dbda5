import type { Duplex } from 'node:stream';
import { errorEnvelope, type RouterError, routerErrors } from '../../src/index.ts';

/** What node:http leaves on the socket: the response in progress on it, if any (undocumented, stable since v0.x). */
interface HttpSocket extends Duplex {
  readonly _httpMessage?: { readonly headersSent?: boolean } | null;
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/**
 * `server.on('clientError')`: Node's own answers (408 on request_read_timeout, 400 on a malformed
 * request, 431 on oversized headers) are plain text; clients parsing every error as the OpenAI envelope
 * get ours instead. There is no ServerResponse here, so the response is written raw, and only when no
 * response has started on the socket (writing then would corrupt it). The socket is closed either way:
 * after a parse error or a timeout the stream position is unknown.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: HttpSocket): void {
  if (error.code !== 'ECONNRESET' && socket.writable && !socket._httpMessage?.headersSent) {
    socket.end(rawResponse(routerErrorOf(error.code)));
  }
  socket.destroy();
}

function routerErrorOf(code: string | undefined): RouterError {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return routerErrors.requestTimeout();
    case 'HPE_HEADER_OVERFLOW':
      return routerErrors.headersTooLarge();
    default:
      return routerErrors.malformedRequest();
  }
}

function rawResponse(error: RouterError): string {
  const body = errorEnvelope(error);
  return (
    `HTTP/1.1 ${error.status} ${REASONS[error.status] ?? 'Error'}\r\n` +
    'Content-Type: application/json\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}

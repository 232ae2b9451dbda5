/** Why a request is not counted as a success: the keys of the report's `errors` object. */
export type ErrorKind =
  | `http_${number}`
  | 'connect_refused'
  | 'connect_timeout'
  | 'dns'
  | 'emfile'
  | 'timeout'
  | 'reset'
  | 'incomplete'
  | 'stream_error'
  | 'bad_response'
  | 'other';

/** Undici and socket error codes → a short, stable kind. */
export function errorKindOf(error: unknown): ErrorKind {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connect_refused';
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return 'connect_timeout';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns';
    case 'EMFILE':
    case 'ENFILE':
      // This machine ran out of file descriptors: not a server fault (the CLI explains the limit).
      return 'emfile';
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'timeout';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return 'reset';
    default:
      return 'other';
  }
}

export function errorText(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** Structured logger port: the Node adapter prints lines/JSON, the Worker uses console. Never pass keys. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

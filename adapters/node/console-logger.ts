import type { LogFields, Logger, LogLevel } from '../../src/index.ts';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface ConsoleLoggerOptions {
  readonly level: LogLevel;
  /** JSON lines (for log shippers) instead of human-readable lines. */
  readonly json?: boolean;
  readonly write?: (line: string) => void;
  /** log.file: every line also goes here as JSON, whatever the console format. */
  readonly file?: { write(line: string): void };
  /** Fields added to every line (a cluster worker's number). */
  readonly fields?: LogFields;
}

/**
 * Console logger, optionally teeing JSON lines to a log file; `setLevel` supports hot reload of
 * log.level. Callers never pass keys in fields.
 */
export function createConsoleLogger(
  options: ConsoleLoggerOptions,
): Logger & { setLevel(level: LogLevel): void } {
  let threshold = ORDER[options.level];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const always = options.fields;
  const emit = (level: LogLevel, message: string, given?: LogFields) => {
    if (ORDER[level] < threshold) return;
    const fields = always ? { ...always, ...given } : given;
    const time = new Date().toISOString();
    const json = options.json || options.file ? JSON.stringify({ time, level, msg: message, ...fields }) : '';
    options.file?.write(json);
    if (options.json) {
      write(json);
      return;
    }
    let line = `${time} ${level.toUpperCase().padEnd(5)} ${message}`;
    if (fields) {
      for (const [key, value] of Object.entries(fields)) {
        if (value !== undefined)
          line += ` ${key}=${typeof value === 'string' && /\s/.test(value) ? JSON.stringify(value) : value}`;
      }
    }
    write(line);
  };
  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
    setLevel(level) {
      threshold = ORDER[level];
    },
  };
}

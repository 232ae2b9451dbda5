import type { LogFields, Logger, LogLevel } from '../../src/index.ts';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** JSON lines on the console: Workers Logs and `wrangler tail` index the fields. Never pass keys in fields. */
export function createWorkerLogger(level: LogLevel): Logger {
  const threshold = ORDER[level];
  const emit = (at: LogLevel, message: string, fields?: LogFields) => {
    if (ORDER[at] < threshold) return;
    const line = JSON.stringify({ level: at, msg: message, ...fields });
    if (at === 'error') console.error(line);
    else if (at === 'warn') console.warn(line);
    else console.log(line);
  };
  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
  };
}

import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

export interface RotatingLogFileOptions {
  readonly dir: string;
  /** Base name without extension: `llm-router` writes `llm-router.log`. */
  readonly name: string;
  /** log.max_size_mb in bytes: the file is rotated before a line would take it past this. */
  readonly maxBytes: number;
  /** log.max_backups: rotated files kept (0 = keep all, as the Go router's lumberjack did). */
  readonly maxBackups: number;
  /** log.max_age_days in ms: rotated files older than this are removed (0 = no age limit). */
  readonly maxAgeMs: number;
  readonly now?: () => number;
}

/**
 * A log file rotated by size with the Go router's (lumberjack) conventions: the full file is renamed to
 * `<name>-<UTC time>.log` and a new one started; rotated files beyond max_backups or older than
 * max_age_days are removed. Writes are synchronous appends, like console writes to a file or pipe on
 * Linux: a line is on disk when write() returns, so nothing is lost when the process exits, and log
 * volume here is a few lines per health change or failed attempt, never per successful request.
 */
export class RotatingLogFile {
  readonly #options: RotatingLogFileOptions;
  readonly #path: string;
  readonly #now: () => number;
  #fd: number;
  #size: number;
  #lastRotation = 0;

  /** Throws (with the path in the message) when the directory or file cannot be created. */
  constructor(options: RotatingLogFileOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#path = join(options.dir, `${options.name}.log`);
    mkdirSync(options.dir, { recursive: true });
    this.#fd = openSync(this.#path, 'a');
    this.#size = fstatSync(this.#fd).size;
    this.#prune();
  }

  get path(): string {
    return this.#path;
  }

  /** Appends one line (a newline is added). */
  write(line: string): void {
    const bytes = Buffer.from(`${line}\n`);
    // A line longer than the limit still goes out whole, into a file of its own.
    if (this.#size > 0 && this.#size + bytes.length > this.#options.maxBytes) this.#rotate();
    writeSync(this.#fd, bytes);
    this.#size += bytes.length;
  }

  close(): void {
    closeSync(this.#fd);
  }

  #rotate(): void {
    closeSync(this.#fd);
    // Two rotations within one millisecond (a tiny max_size_mb) must not overwrite each other.
    const at = Math.max(this.#now(), this.#lastRotation + 1);
    this.#lastRotation = at;
    renameSync(this.#path, join(this.#options.dir, `${this.#options.name}-${stamp(at)}.log`));
    this.#fd = openSync(this.#path, 'a');
    this.#size = 0;
    this.#prune();
  }

  /** Rotated files, newest first, and removal of those past max_backups or max_age_days. */
  #prune(): void {
    const { dir, name, maxBackups, maxAgeMs } = this.#options;
    const pattern = new RegExp(
      `^${escapeRegExp(name)}-(\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d\\.\\d{3})\\.log$`,
    );
    const backups = readdirSync(dir)
      .flatMap((file) => {
        const match = pattern.exec(file);
        const at = match?.[1] ? parseStamp(match[1]) : Number.NaN;
        return Number.isNaN(at) ? [] : [{ file, at }];
      })
      .sort((a, b) => b.at - a.at);
    const now = this.#now();
    backups.forEach(({ file, at }, i) => {
      const tooMany = maxBackups > 0 && i >= maxBackups;
      const tooOld = maxAgeMs > 0 && now - at > maxAgeMs;
      if (!tooMany && !tooOld) return;
      try {
        unlinkSync(join(dir, file));
      } catch {
        // Removed by someone else (logrotate, an operator) in the meantime: nothing left to do.
      }
    });
  }
}

/** `2026-01-02T15-04-05.000`: lumberjack's backup time format (UTC), sortable as text. */
function stamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23).replace(/:/g, '-');
}

function parseStamp(text: string): number {
  const [date, time] = text.split('T');
  return Date.parse(`${date}T${time?.replace(/-/g, ':')}Z`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

import { readFileSync } from 'node:fs';
import type { BenchConfig } from './bench-config.ts';

export interface OpenFileLimits {
  readonly soft: number;
  readonly hard: number;
}

/** This process's open-file limits from /proc/self/limits (Infinity when unknown or unlimited). */
export function openFileLimits(): OpenFileLimits {
  try {
    const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    const parse = (value: string | undefined) =>
      value === undefined || value === 'unlimited' ? Number.POSITIVE_INFINITY : Number(value);
    return { soft: parse(match?.[1]), hard: parse(match?.[2]) };
  } catch {
    return { soft: Number.POSITIVE_INFINITY, hard: Number.POSITIVE_INFINITY };
  }
}

/** Sockets one worker may hold at once (closed loop: its share; open loop: unknown, so none). */
export function socketsPerWorker(config: BenchConfig): number {
  if (config.load.kind !== 'closed') return 0;
  return Math.ceil(config.load.concurrency / config.workers) * (config.direct ? 2 : 1);
}

/** Descriptors a Node process needs besides its sockets (stdio, the event loop, IPC, files). */
export const FD_OVERHEAD = 64;

/** How to raise the limit, for the warning before a run and the advice after EMFILE errors. */
export function raiseAdvice(limits: OpenFileLimits): string {
  return (
    `the open-file limit is soft ${limits.soft} / hard ${limits.hard}. Worker processes raise their soft ` +
    'limit to the hard one themselves; to go further, raise the hard limit before the command, e.g. ' +
    '`ulimit -n 65536` (as root, or set "nofile" in /etc/security/limits.conf; in a container the runtime ' +
    'sets it, e.g. docker run --ulimit nofile=65536:65536), or use more --workers. ' +
    'A proxy or server on the same machine needs two descriptors per stream and its own limit raised too.'
  );
}

/** A warning when a worker's share of streams would not fit under the hard limit, else null. */
export function limitWarning(config: BenchConfig, limits: OpenFileLimits): string | null {
  const needed = socketsPerWorker(config) + FD_OVERHEAD;
  if (needed <= limits.hard) return null;
  return `each worker needs about ${needed} open files but ${raiseAdvice(limits)}`;
}

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** Kernel clock ticks per second, the unit of utime/stime in /proc/<pid>/stat. */
export function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Fields after the `(comm)` part of /proc/<pid>/stat: index 0 is state (field 3), so field k is k - 3. */
function statFields(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** User + system CPU time of one process in microseconds (0 when it is gone). */
export function cpuMicros(pid: number): number {
  const fields = statFields(pid);
  if (!fields) return 0;
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / clockTicks();
}

/** All live descendants of `pid` (children, grandchildren...), e.g. nginx workers under the master. */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields) parentOf.set(Number(entry), Number(fields[1]));
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [child, ppid] of parentOf) {
      if (ppid === parent) {
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out;
}

/** CPU time of a process and its live descendants, in microseconds. */
export function treeCpuMicros(pid: number): number {
  let total = cpuMicros(pid);
  for (const child of descendants(pid)) total += cpuMicros(child);
  return total;
}

/** Resident set size from /proc/<pid>/status (VmRSS), in bytes; 0 when the process is gone. */
export function rssBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples one process's RSS every `intervalMs` and keeps the peak. */
export class RssSampler {
  readonly #pid: number;
  readonly #timer: NodeJS.Timeout;
  #peak: number;

  constructor(pid: number, intervalMs = 50) {
    this.#pid = pid;
    this.#peak = rssBytes(pid);
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    this.#peak = Math.max(this.#peak, rssBytes(this.#pid));
  }

  /** Stop sampling and return the peak in bytes. */
  stop(): number {
    clearInterval(this.#timer);
    this.sample();
    return this.#peak;
  }
}

/** The soft and hard open-file limits of this process, from /proc/self/limits. */
export function openFileLimits(): { soft: number; hard: number } {
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  const parse = (value: string | undefined) =>
    value === undefined || value === 'unlimited' ? Infinity : Number(value);
  return { soft: parse(match?.[1]), hard: parse(match?.[2]) };
}

import { readFileSync } from 'node:fs';
import { clockTicks, cpuMicros, descendants } from './proc-stats.ts';

/** Busy CPU time of the whole machine (all cores, /proc/stat), in microseconds. */
export function systemBusyMicros(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  const ticks = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
  return (ticks * 1_000_000) / clockTicks();
}

/** CPU of this bench process, its reaped children (cutime/cstime) and every live descendant, in µs. */
export function benchFamilyMicros(): number {
  const text = readFileSync('/proc/self/stat', 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  let total = (ticks * 1_000_000) / clockTicks();
  for (const pid of descendants(process.pid)) total += cpuMicros(pid);
  return total;
}

/**
 * CPU used by processes outside this bench while a measurement ran, in cores (2.0 = both cores of this box).
 * Other engineers' builds and tests share the machine: a run with foreign load above ~0.2 is suspect.
 */
export class ForeignLoad {
  #busy = systemBusyMicros();
  #family = benchFamilyMicros();
  #wall = performance.now();

  /** Cores used by other processes since construction. */
  stop(): number {
    const busy = systemBusyMicros() - this.#busy;
    const family = benchFamilyMicros() - this.#family;
    const wallUs = (performance.now() - this.#wall) * 1000;
    return Math.max(0, (busy - family) / wallUs);
  }
}

/** CPU of this process's children that have exited and been reaped (cutime + cstime), in µs. */
export function reapedChildrenMicros(): number {
  const text = readFileSync('/proc/self/stat', 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1_000_000) / clockTicks();
}

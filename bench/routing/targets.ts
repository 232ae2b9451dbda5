import { ratio } from '../lib/table.ts';
import type { RunSummary } from './run-summary.ts';

export interface TargetCheck {
  readonly target: string;
  readonly value: string;
  readonly met: boolean | null;
}

/**
 * `name`'s figure (`pick`) against `base`'s: met when the ratio is at most `bound`. No verdict when either
 * did not run or most of the run failed (shares and tails mean nothing then).
 */
export function ratioTarget(
  target: string,
  run: RunSummary | undefined,
  base: RunSummary | undefined,
  pick: (s: RunSummary) => number,
  bound: number,
): TargetCheck {
  if (run === undefined || base === undefined) return { target, value: 'not run', met: null };
  const value = pick(run) / pick(base);
  const failed = run.errors > run.requests / 10;
  return {
    target,
    value: failed ? `${ratio(value)} (${run.errors} errors)` : ratio(value),
    met: failed ? null : value <= bound,
  };
}

export const p99Ttft = (s: RunSummary): number => s.ttft.p99;
export const p99E2e = (s: RunSummary): number => s.e2e.p99;

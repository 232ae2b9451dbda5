import type { Workload } from './fleet-spec.ts';
import { exponential, type Random, uniformInt } from './prng.ts';

/** One request of an open-loop schedule. */
export interface Arrival {
  readonly index: number;
  /** Offset from the start of the run, ms. */
  readonly atMs: number;
  readonly maxTokens: number;
  /** The request's own text (after the shared prefix, when it has one). */
  readonly promptChars: number;
  /** The shared-prefix scenario: which group's long system prompt comes first, and its length. */
  readonly prefix?: { readonly group: number; readonly chars: number };
}

/** A second client sending `schedule` straight to engine `backend`, bypassing the router. */
export interface DirectTraffic {
  readonly backend: number;
  readonly schedule: readonly Arrival[];
}

function draw(random: Random, workload: Workload, index: number, atMs: number): Arrival {
  return {
    index,
    atMs,
    maxTokens: uniformInt(random, workload.minTokens, workload.maxTokens),
    promptChars: uniformInt(random, workload.minPromptChars, workload.maxPromptChars),
  };
}

/** Poisson process at `ratePerSecond` for `durationMs`: exponential gaps, sizes drawn per request. */
export function poissonArrivals(
  random: Random,
  ratePerSecond: number,
  durationMs: number,
  workload: Workload,
): Arrival[] {
  const out: Arrival[] = [];
  const meanGapMs = 1000 / ratePerSecond;
  let at = exponential(random, meanGapMs);
  while (at < durationMs) {
    out.push(draw(random, workload, out.length, at));
    at += exponential(random, meanGapMs);
  }
  return out;
}

/** `count` requests at uniformly random instants within `windowMs`, sorted. */
export function burstArrivals(
  random: Random,
  count: number,
  windowMs: number,
  workload: Workload,
): Arrival[] {
  const times = Array.from({ length: count }, () => random() * windowMs).sort((a, b) => a - b);
  return times.map((at, index) => draw(random, workload, index, at));
}

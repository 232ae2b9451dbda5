import type { BenchConfig, Side } from './bench-config.ts';
import type { RunStatsData } from './run-stats.ts';

/** One phase of load, the same for every worker: all start at `startAt` (epoch ms). */
export interface PhaseOrder {
  readonly side: Side;
  readonly startAt: number;
  /** Epoch ms of second 0 of the time series. */
  readonly originAt: number;
  readonly warmupMs: number;
  /** Measured time of this phase for the whole run (null: count-limited). */
  readonly durationMs: number | null;
  /** Measured requests of this phase for the whole run; each worker takes its share. */
  readonly requests: number | null;
}

export type ToWorker =
  | { readonly type: 'start'; readonly config: unknown; readonly index: number; readonly count: number }
  | { readonly type: 'phase'; readonly phase: PhaseOrder }
  | { readonly type: 'stop' }
  | { readonly type: 'exit' };

export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'fatal'; readonly message: string }
  | { readonly type: 'tick'; readonly side: Side; readonly stats: RunStatsData; readonly inFlight: number }
  | {
      readonly type: 'phase-done';
      readonly side: Side;
      readonly stats: RunStatsData;
      readonly peakInFlight: number;
    };

/** Both ends of the coordinator ↔ worker link: IPC for a child process, direct calls in-process. */
export interface Channel<Out, In> {
  send(message: Out): void;
  onMessage(handler: (message: In) => void): void;
}

/** This worker's part of a total: as even as possible, the remainder to the first workers. */
export function shareOf(total: number, index: number, count: number): number {
  return Math.floor(total / count) + (index < total % count ? 1 : 0);
}

export type { BenchConfig };

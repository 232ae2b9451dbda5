import type { BenchConfig, Side } from './bench-config.ts';
import { epochNow } from './bench-worker.ts';
import { RunStats } from './run-stats.ts';
import { inProcessWorker, spawnWorker, type WorkerHandle } from './worker-handle.ts';
import { type PhaseOrder, shareOf } from './worker-protocol.ts';

/** The measured requests of one side (the router, or the backend directly in A/B mode). */
export interface SideResult {
  readonly stats: RunStats;
  /** Measured seconds: from the end of the warm-up to the last measured answer, summed over phases. */
  durationS: number;
  peakInFlight: number;
}

export interface BenchOutcome {
  /** Epoch ms when the load started (the first phase, warm-up included). */
  readonly startedAt: number;
  /** Epoch ms of second 0 of every time series: the end of the first warm-up. */
  readonly originAt: number;
  readonly sides: ReadonlyMap<Side, SideResult>;
  /** Stopped early (Ctrl-C): the figures cover what ran until then. */
  readonly partial: boolean;
}

/** What the live view is shown about once a second. */
export interface LiveSample {
  readonly side: Side;
  readonly phase: string;
  /** Seconds since the run's measurement origin. */
  readonly elapsedS: number;
  readonly inFlight: number;
  readonly stats: RunStats;
}

export interface RunIo {
  /** Called with the current figures about once a second. */
  readonly onSample: (sample: LiveSample) => void;
  readonly onNote: (text: string) => void;
  /** Aborted on Ctrl-C: stop the load, keep what was measured. */
  readonly interrupt: AbortSignal;
  /** Run the single worker in this process (false: always spawn worker processes). */
  readonly allowInProcess: boolean;
}

const READY_TIMEOUT_MS = 60_000;
/** How long workers get to wind down after a stop before they are killed. */
const STOP_GRACE_MS = 5000;
/** Lead time for a phase start, so every worker has the order before it begins. */
const PHASE_LEAD_MS = 100;

class WorkerFailed extends Error {
  override readonly name = 'WorkerFailed';
}

/** The phases of a run: one, or in A/B mode direct and router alternating `phases` times each. */
function phasePlan(config: BenchConfig): { side: Side; index: number; of: number }[] {
  const sides: Side[] = config.direct ? ['direct', 'router'] : ['router'];
  const of = config.direct ? config.phases : 1;
  const plan: { side: Side; index: number; of: number }[] = [];
  for (let index = 0; index < of; index++) for (const side of sides) plan.push({ side, index, of });
  return plan;
}

/**
 * Runs a benchmark: starts the workers, orders each phase and merges the workers' histograms and
 * counters as they report. Resolves with every side's measurements (partial after an interrupt);
 * rejects when a worker fails.
 */
export async function runBench(config: BenchConfig, io: RunIo): Promise<BenchOutcome> {
  const inProcess = io.allowInProcess && config.workers === 1;
  const workers: WorkerHandle[] = inProcess
    ? [inProcessWorker()]
    : Array.from({ length: config.workers }, (_, i) => spawnWorker(i));
  const sides = new Map<Side, SideResult>();
  const inFlight = new Map<WorkerHandle, number>();
  let phaseDone: (() => void) | null = null;
  let failure: ((error: Error) => void) | null = null;
  let pendingDone = 0;
  let phaseLastEnd = 0;
  let phasePeak = 0;
  let exiting = false;

  const failed = new Promise<never>((_, reject) => {
    failure = reject;
  });
  void failed.catch(() => {});
  for (const worker of workers) {
    worker.onMessage((message) => {
      switch (message.type) {
        case 'ready':
          return;
        case 'fatal':
          failure?.(new WorkerFailed(`${worker.name}: ${message.message}`));
          return;
        case 'tick':
        case 'phase-done': {
          const side = sides.get(message.side)!;
          side.stats.merge(message.stats);
          phaseLastEnd = Math.max(phaseLastEnd, message.stats.lastEndAt);
          if (message.type === 'tick') {
            inFlight.set(worker, message.inFlight);
            return;
          }
          inFlight.set(worker, 0);
          // Workers peak at about the same time (their shares of one load): the sum is the phase's peak.
          phasePeak += message.peakInFlight;
          side.peakInFlight = Math.max(side.peakInFlight, phasePeak);
          if (--pendingDone === 0) phaseDone?.();
          return;
        }
      }
    });
    void worker.exited.then(({ code, stderr }) => {
      // After a Ctrl-C, a worker that overran its grace period is killed on purpose.
      if (!exiting && !io.interrupt.aborted)
        failure?.(new WorkerFailed(`${worker.name} exited (code ${code})${stderr ? `:\n${stderr}` : ''}`));
    });
  }

  const ready = Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve) =>
          worker.onMessage((message) => {
            if (message.type === 'ready') resolve();
          }),
        ),
    ),
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new WorkerFailed(`workers not ready after ${READY_TIMEOUT_MS / 1000} s`)),
      READY_TIMEOUT_MS,
    );
  });
  let stopTimer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    for (const worker of workers) worker.send({ type: 'stop' });
    stopTimer = setTimeout(() => {
      for (const worker of workers) worker.kill();
      phaseDone?.();
    }, STOP_GRACE_MS);
  };
  io.interrupt.addEventListener('abort', stop, { once: true });

  try {
    for (const [index, worker] of workers.entries())
      worker.send({ type: 'start', config, index, count: workers.length });
    // Ctrl-C while workers start (or prime) ends the wait too; no phase then runs.
    const interrupted = new Promise<void>((resolve) => {
      if (io.interrupt.aborted) resolve();
      io.interrupt.addEventListener('abort', () => resolve(), { once: true });
    });
    await Promise.race([ready, failed, timeout, interrupted]);
    clearTimeout(timer);

    const plan = phasePlan(config);
    const startedAt = epochNow() + PHASE_LEAD_MS;
    const originAt = startedAt + config.warmupS * 1000;
    for (const { side } of plan)
      if (!sides.has(side)) sides.set(side, { stats: new RunStats(originAt), durationS: 0, peakInFlight: 0 });
    const warmed = new Set<Side>();
    let active: (typeof plan)[number] | null = null;
    const view = setInterval(() => {
      const current = active;
      if (!current) return;
      const total = [...inFlight.values()].reduce((sum, n) => sum + n, 0);
      io.onSample({
        side: current.side,
        phase: `${current.index + 1}/${current.of}`,
        elapsedS: (epochNow() - originAt) / 1000,
        inFlight: total,
        stats: sides.get(current.side)!.stats,
      });
    }, 1000);
    try {
      for (const step of plan) {
        if (io.interrupt.aborted) break;
        active = step;
        const warmupMs = warmed.has(step.side) ? 0 : config.warmupS * 1000;
        warmed.add(step.side);
        const order: PhaseOrder = {
          side: step.side,
          startAt: step === plan[0] ? startedAt : epochNow() + PHASE_LEAD_MS,
          originAt,
          warmupMs,
          durationMs: config.durationS === null ? null : (config.durationS * 1000) / step.of,
          requests: config.requests === null ? null : shareOf(config.requests, step.index, step.of),
        };
        if (plan.length > 1) io.onNote(`phase ${step.index + 1}/${step.of}: ${step.side}`);
        pendingDone = workers.length;
        phaseLastEnd = 0;
        phasePeak = 0;
        const done = new Promise<void>((resolve) => {
          phaseDone = resolve;
        });
        for (const worker of workers) worker.send({ type: 'phase', phase: order });
        await Promise.race([done, failed]);
        const measureFrom = order.startAt + warmupMs;
        const end = io.interrupt.aborted
          ? Math.min(epochNow(), Math.max(phaseLastEnd, measureFrom))
          : phaseLastEnd;
        sides.get(step.side)!.durationS += Math.max(0, end - measureFrom) / 1000;
      }
    } finally {
      clearInterval(view);
    }
    return { startedAt, originAt, sides, partial: io.interrupt.aborted };
  } finally {
    clearTimeout(timer);
    clearTimeout(stopTimer);
    io.interrupt.removeEventListener('abort', stop);
    exiting = true;
    for (const worker of workers) worker.send({ type: 'exit' });
    const gone = Promise.all(workers.map((worker) => worker.exited));
    const grace = new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref());
    if ((await Promise.race([gone.then(() => 'gone'), grace])) !== 'gone')
      for (const worker of workers) worker.kill();
  }
}

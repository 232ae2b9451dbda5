/** Queue depth of one backend as sampled from the sims (4 Hz) during a run. */
export interface QueueTrace {
  meanWaiting: number;
  maxWaiting: number;
  meanRunning: number;
  samples: number;
}

export class QueueSampler {
  readonly #sums: { waiting: number; running: number; max: number }[];
  #samples = 0;
  #hotspots = 0;

  constructor(backends: number) {
    this.#sums = Array.from({ length: backends }, () => ({ waiting: 0, running: 0, max: 0 }));
  }

  add(live: readonly { running: number; waiting: number }[]): void {
    this.#samples++;
    const queueing = live.some((b) => b.waiting > 0);
    if (queueing && live.some((b) => b.running + b.waiting === 0)) this.#hotspots++;
    live.forEach((b, i) => {
      const s = this.#sums[i];
      if (!s) return;
      s.waiting += b.waiting;
      s.running += b.running;
      s.max = Math.max(s.max, b.waiting);
    });
  }

  /** Share of the samples that found one backend queueing while another was idle (a hotspot). */
  hotspotShare(): number {
    return this.#hotspots / Math.max(1, this.#samples);
  }

  traces(): QueueTrace[] {
    const n = Math.max(1, this.#samples);
    return this.#sums.map((s) => ({
      meanWaiting: s.waiting / n,
      maxWaiting: s.max,
      meanRunning: s.running / n,
      samples: this.#samples,
    }));
  }
}

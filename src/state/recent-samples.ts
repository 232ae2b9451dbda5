/**
 * A backend's recent measurements of one kind, summarised by their median: the speed signal of
 * least-waiting. A median rather than a mean because LLM output lengths are heavy-tailed: a mean (or a
 * moving average) of a few requests swings with each long generation, which at low concurrency shifts
 * most of the traffic between equal backends for no reason. Samples expire, so a backend that was slow a
 * while ago (or is new) is measured again instead of judged on old news.
 *
 * Every acquire reads every candidate's median and every attempt adds a sample, so the samples are also
 * kept sorted (a few dozen at most: insertion moves no more than that, and nothing is allocated).
 */
export class RecentSamples {
  readonly #size: number;
  readonly #memoryMs: number;
  readonly #minSamples: number;
  /** In arrival order, oldest first, as a ring: `#count` of them from `#head`. */
  readonly #values: number[];
  readonly #at: number[];
  #head = 0;
  #count = 0;
  /** The same values, ascending. */
  readonly #sorted: number[] = [];

  constructor(options: { size: number; memoryMs: number; minSamples: number }) {
    this.#size = options.size;
    this.#memoryMs = options.memoryMs;
    this.#minSamples = options.minSamples;
    this.#values = new Array<number>(options.size).fill(0);
    this.#at = new Array<number>(options.size).fill(0);
  }

  observe(value: number, now: number): void {
    // A negative duration is a wall-clock step, not a measurement.
    if (!(value >= 0) || !Number.isFinite(value)) return;
    if (this.#count === this.#size) this.#dropOldest();
    const slot = (this.#head + this.#count) % this.#size;
    this.#values[slot] = value;
    this.#at[slot] = now;
    this.#count++;
    insertSorted(this.#sorted, value);
  }

  /** The median of the samples from the last `memoryMs`; null when fewer than `minSamples`. */
  value(now: number): number | null {
    // Samples arrive in (about) time order, so the expired ones are at the front.
    while (this.#count > 0 && now - this.#at[this.#head]! > this.#memoryMs) this.#dropOldest();
    const sorted = this.#sorted;
    const n = sorted.length;
    if (n < this.#minSamples) return null;
    const mid = n >> 1;
    return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  }

  #dropOldest(): void {
    removeSorted(this.#sorted, this.#values[this.#head]!);
    this.#head = (this.#head + 1) % this.#size;
    this.#count--;
  }
}

function insertSorted(sorted: number[], value: number): void {
  let i = sorted.length;
  sorted.push(value);
  while (i > 0 && sorted[i - 1]! > value) {
    sorted[i] = sorted[i - 1]!;
    i--;
  }
  sorted[i] = value;
}

function removeSorted(sorted: number[], value: number): void {
  let i = sorted.indexOf(value);
  if (i < 0) return;
  for (; i < sorted.length - 1; i++) sorted[i] = sorted[i + 1]!;
  sorted.pop();
}

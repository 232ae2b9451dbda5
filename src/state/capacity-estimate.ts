import type { EngineLoad } from '../metrics/engine-load.ts';

/** A slot count the engine reported (`reported`) or the router saw it plateau at (`learned`). */
export interface LearnedCapacity {
  readonly capacity: number;
  readonly source: 'reported' | 'learned';
}

/** Scrapes that must see the engine queueing at its highest running count before that count is its cap. */
const PLATEAU_SCRAPES = 2;
/**
 * A queueing scrape counts towards the plateau when running is within this fraction of the highest count
 * seen: an engine limited by its KV cache rather than its slot count runs a few more or fewer each step.
 */
const PLATEAU_TOLERANCE = 0.9;

/**
 * The number of sequences one engine runs at once, from its scrapes: what the engine reports
 * (`EngineLoad.maxRunning`), else the plateau of its running count while requests wait. An engine never
 * runs more than its cap, so the highest running count seen is a floor; once the engine has been seen
 * queueing at (about) that count in PLATEAU_SCRAPES scrapes, the floor is the cap. One queueing scrape
 * makes it likely (`queuedAtFloor`), not learned: vLLM holds back new prompts that exceed a step's token
 * budget with slots free.
 * Everything is forgotten when the engine restarts (its token counters go back), when it leaves the
 * healthy set, or when its configured `max_num_seqs` changes, since each may bring a different engine.
 */
export class CapacityEstimate {
  #reported: number | null = null;
  #peak = 0;
  #plateauHits = 0;
  #plateauLevel = 0;
  #promptTokens: number | null = null;
  #generationTokens: number | null = null;
  /** value(), kept between scrapes: every acquire reads it for every candidate. */
  #value: LearnedCapacity | null = null;

  /** Learn from one scrape; true when the engine restarted since the last one (its counters went back). */
  observe(load: EngineLoad): boolean {
    const restarted =
      wentBack(this.#promptTokens, load.promptTokens) ||
      wentBack(this.#generationTokens, load.generationTokens);
    if (restarted) this.reset();
    this.#promptTokens = load.promptTokens;
    this.#generationTokens = load.generationTokens;
    this.#reported = load.maxRunning;
    const running = Math.round(load.running);
    if (running > this.#peak) this.#peak = running;
    if (load.waiting > 0 && running > 0 && running >= PLATEAU_TOLERANCE * this.#peak) {
      // Hits at a lower level (before the peak rose) do not confirm this one.
      if (this.#plateauLevel < PLATEAU_TOLERANCE * this.#peak) this.#plateauHits = 0;
      this.#plateauHits++;
      this.#plateauLevel = this.#peak;
    }
    this.#value = this.#evaluate();
    return restarted;
  }

  reset(): void {
    this.#reported = null;
    this.#peak = 0;
    this.#plateauHits = 0;
    this.#plateauLevel = 0;
    this.#promptTokens = null;
    this.#generationTokens = null;
    this.#value = null;
  }

  /** The engine's slot count when reported or learned; null while unknown (see `floor`). */
  value(): LearnedCapacity | null {
    return this.#value;
  }

  #evaluate(): LearnedCapacity | null {
    if (this.#reported !== null) return { capacity: this.#reported, source: 'reported' };
    if (this.#plateauHits >= PLATEAU_SCRAPES && this.#plateauLevel >= PLATEAU_TOLERANCE * this.#peak) {
      return { capacity: this.#peak, source: 'learned' };
    }
    return null;
  }

  /** The most sequences seen running at once since the engine (re)started: its cap is at least this. */
  get floor(): number {
    return this.#peak;
  }

  /** Whether the engine was seen queueing at (about) its floor, once at least: probably its cap. */
  get queuedAtFloor(): boolean {
    return this.#plateauHits > 0 && this.#plateauLevel >= PLATEAU_TOLERANCE * this.#peak;
  }
}

function wentBack(before: number | null, now: number | null): boolean {
  return before !== null && now !== null && now < before;
}

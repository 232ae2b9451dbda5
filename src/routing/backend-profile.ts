import type { LearnedCapacity } from '../state/capacity-estimate.ts';

/** Where a backend's capacity comes from: its backend entry, its engine's metrics, their plateau, or none. */
export type CapacitySource = 'configured' | 'reported' | 'learned' | 'unknown';
/** Where its speed comes from: the router's own requests, the engine's token counters, or none. */
export type SpeedSource = 'learned' | 'reported' | 'unknown';

/** What the state knows of one backend's size and speed (CandidateView carries it). */
export interface ProfileInput {
  /** Slot count from `max_num_seqs`, the engine's own gauge or the plateau; null while unknown. */
  readonly capacity: number | null;
  readonly capacitySource: Exclude<CapacitySource, 'unknown'> | null;
  /** Most sequences seen running at once: the slot count is at least this. */
  readonly capacityFloor: number;
  /** Whether the engine was seen queueing at that floor (once; twice makes it a learned capacity). */
  readonly queuedAtFloor: boolean;
  /** Time to first token on a free slot (ms, SpeedEstimate); null while unknown. */
  readonly firstTokenMs: number | null;
  /** Time from first to last byte (ms); null while unknown. */
  readonly decodeMs: number | null;
  /** Tokens per second per running sequence, from the engine's counters; null when it has none. */
  readonly engineTokenRate: number | null;
}

/** One backend's size and speed as least-waiting uses them: every field filled in. */
export interface BackendProfile {
  readonly capacity: number;
  readonly capacitySource: CapacitySource;
  readonly firstTokenMs: number;
  /** How long a request holds a slot: first token plus decoding (ms). */
  readonly serviceMs: number;
  readonly speedSource: SpeedSource;
  /** Typical service time of the set ÷ this one's: 2 serves twice as fast as the typical backend. */
  readonly relativeSpeed: number;
}

/** The capacity fields of a ProfileInput: `max_num_seqs` from the backend entry first, then what was learned. */
export function knownCapacity(
  configured: number | null,
  learned: LearnedCapacity | null,
): Pick<ProfileInput, 'capacity' | 'capacitySource'> {
  if (configured !== null) return { capacity: configured, capacitySource: 'configured' };
  return learned === null
    ? { capacity: null, capacitySource: null }
    : { capacity: learned.capacity, capacitySource: learned.source };
}

/**
 * Fill in what is unknown from the backend's peers (the candidates of one model). An unknown capacity is
 * the peers' typical (median) known one, never 0 (capacityOf). An unknown time is the peers' typical one
 * times how much slower this backend is by the best evidence it has: its other time against theirs (its
 * first bytes come long before its first request ends), else its engine's decode rate against theirs
 * (token counters, scraped before the router has timed anything there). With nothing known anywhere,
 * 1 ms to first token and nothing for decoding, which leaves the cost a count of requests. A new or
 * metric-less backend is thus taken for an ordinary peer until it is measured: neither starved nor
 * flooded.
 */
export function resolveProfiles(inputs: readonly ProfileInput[]): BackendProfile[] {
  const capacities: number[] = [];
  const firsts: number[] = [];
  const decodes: number[] = [];
  const timedRates: number[] = [];
  const rates: number[] = [];
  let highestFloor = 0;
  for (const input of inputs) {
    if (input.capacity !== null) capacities.push(input.capacity);
    if (input.firstTokenMs !== null) firsts.push(input.firstTokenMs);
    if (input.decodeMs !== null) decodes.push(input.decodeMs);
    if (input.engineTokenRate !== null && input.engineTokenRate > 0) {
      rates.push(input.engineTokenRate);
      if (input.firstTokenMs !== null) timedRates.push(input.engineTokenRate);
    }
    highestFloor = Math.max(highestFloor, input.capacityFloor);
  }
  const typicalCapacity = capacities.length > 0 ? median(capacities) : Math.max(1, highestFloor);
  // At least 1 ms: a zero estimate (an injected clock, a cached answer) must not zero out the cost.
  const typicalFirst = Math.max(1, firsts.length > 0 ? median(firsts) : 1);
  const typicalDecode = decodes.length > 0 ? median(decodes) : 0;
  // The rate that goes with the typical times: the timed peers' (at a cold start, everyone's).
  const typicalRate =
    timedRates.length > 0 ? median(timedRates) : rates.length > 0 ? median(rates) : Number.NaN;
  const typicalService = typicalFirst + typicalDecode;
  return inputs.map((input) => {
    const { firstTokenMs: first, decodeMs: decode, engineTokenRate: rate } = input;
    const slower =
      first !== null
        ? Math.max(1, first) / typicalFirst
        : decode !== null && typicalDecode > 0
          ? decode / typicalDecode
          : rate !== null && rate > 0 && typicalRate > 0
            ? typicalRate / rate
            : 1;
    const firstTokenMs = Math.max(1, first ?? typicalFirst * slower);
    const serviceMs = firstTokenMs + (decode ?? typicalDecode * slower);
    const measured = first !== null || decode !== null;
    return {
      capacity: capacityOf(input, typicalCapacity),
      capacitySource: input.capacitySource ?? 'unknown',
      firstTokenMs,
      serviceMs,
      speedSource: measured ? 'learned' : rate !== null && typicalRate > 0 ? 'reported' : 'unknown',
      relativeSpeed: typicalService / serviceMs,
    };
  });
}

/**
 * A known capacity, unless the engine was seen running more (then the value is out of date). An unknown
 * one is the engine's floor once it was seen queueing there; else the peers' typical value, or one more
 * than the engine was ever seen running if that is more: an engine that ran that many without queueing
 * may well run one more, and assuming the floor itself would never send it one more, so it would never
 * show it can (nor queue, which is how it is learned). With no capacity known anywhere, the typical value
 * is the most any peer was seen running (at least 1).
 */
function capacityOf(input: ProfileInput, typical: number): number {
  if (input.capacity !== null) return Math.max(1, input.capacity, input.capacityFloor);
  if (input.queuedAtFloor) return Math.max(1, input.capacityFloor);
  return Math.max(1, typical, input.capacityFloor + 1);
}

/** Median of `values` (sorted in place). */
export function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}

import type { LearnedCapacity } from '../state/capacity-estimate.ts';

/** Where a backend's capacity comes from: its backend entry, its engine's metrics, their plateau, or none. */
export type CapacitySource = 'configured' | 'reported' | 'learned' | 'unknown';
export type SpeedSource = 'learned' | 'unknown';

/** What the state knows of one backend's size and speed (CandidateView carries it). */
export interface ProfileInput {
  /** Slot count from `max_num_seqs`, the engine's own gauge or the plateau; null while unknown. */
  readonly capacity: number | null;
  readonly capacitySource: Exclude<CapacitySource, 'unknown'> | null;
  /** Most sequences seen running at once: the slot count is at least this. */
  readonly capacityFloor: number;
  /** Time to first token on a free slot (ms, SpeedEstimate); null while unknown. */
  readonly firstTokenMs: number | null;
  /** Time a request holds a slot (ms); null while unknown. */
  readonly serviceMs: number | null;
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

/** One backend's size and speed as least-waiting uses them: every field filled in. */
export interface BackendProfile {
  readonly capacity: number;
  readonly capacitySource: CapacitySource;
  readonly firstTokenMs: number;
  readonly serviceMs: number;
  readonly speedSource: SpeedSource;
  /** Typical service time of the set ÷ this one's: 2 serves twice as fast as the typical backend. */
  readonly relativeSpeed: number;
}

/**
 * Fill in what is unknown from the backend's peers (the candidates of one model): an unknown capacity is
 * the peers' typical (median) known one, never 0, and never below what the engine was seen running; with
 * none known, the most any of them was seen running (at least 1). An unknown speed is the peers' typical
 * one; with none known, 1 ms for both times, which leaves the cost a count of requests. A new or
 * metric-less backend is thus taken for an ordinary peer until it is measured: neither starved nor
 * flooded.
 */
export function resolveProfiles(inputs: readonly ProfileInput[]): BackendProfile[] {
  const capacities: number[] = [];
  const firstTokens: number[] = [];
  const services: number[] = [];
  let highestFloor = 0;
  for (const input of inputs) {
    if (input.capacity !== null) capacities.push(input.capacity);
    if (input.firstTokenMs !== null && input.serviceMs !== null) {
      firstTokens.push(input.firstTokenMs);
      services.push(input.serviceMs);
    }
    highestFloor = Math.max(highestFloor, input.capacityFloor);
  }
  const typicalCapacity = capacities.length > 0 ? median(capacities) : Math.max(1, highestFloor);
  const typicalFirstToken = firstTokens.length > 0 ? median(firstTokens) : 1;
  const typicalService = services.length > 0 ? median(services) : 1;
  return inputs.map((input) => {
    const { firstTokenMs: first, serviceMs: service } = input;
    const known = first !== null && service !== null;
    // At least 1 ms: a zero estimate (an injected clock, a cached answer) must not zero out the cost.
    const serviceMs = Math.max(1, known ? service : typicalService);
    return {
      capacity: capacityOf(input, typicalCapacity),
      capacitySource: input.capacitySource ?? 'unknown',
      firstTokenMs: Math.max(1, known ? first : typicalFirstToken),
      serviceMs,
      speedSource: known ? 'learned' : 'unknown',
      relativeSpeed: Math.max(1, typicalService) / serviceMs,
    };
  });
}

/**
 * A known capacity, unless the engine was seen running more (then the value is out of date). An unknown
 * one is the peers' typical value, or one more than the engine was ever seen running if that is more:
 * an engine that ran that many without queueing may well run one more, and assuming the floor itself
 * would never send it one more, so it would never show it can (nor queue, which is how it is learned).
 */
function capacityOf(input: ProfileInput, typical: number): number {
  if (input.capacity !== null) return Math.max(1, input.capacity, input.capacityFloor);
  return Math.max(1, typical, input.capacityFloor + 1);
}

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}

import type { Random } from '../core/random.ts';
import type { Affinity } from './affinity.ts';
import { type BackendProfile, median, type ProfileInput } from './backend-profile.ts';
import type { CandidateView } from './candidate-view.ts';
import type { HashRing } from './hash-ring.ts';
import { expectedFirstTokenMs, requestsAhead } from './least-waiting.ts';
import type { PrefixIndex } from './prefix-index.ts';

/** routing.cache_aware as the state applies it (carried by StatePolicy; config-main-schema has the keys). */
export interface CacheAwarePolicy {
  /**
   * A backend holding the request's prefix (or its session) is taken only while its expected time to
   * first token is at most (1 + loadMargin) × the lowest among the candidates.
   */
  readonly loadMargin: number;
  /** Entries (block × backend) the model's prefix index holds at most. */
  readonly maxBlocks: number;
}

/** The config defaults (main-config-schema.ts reads them from here). */
export const DEFAULT_CACHE_AWARE_POLICY: CacheAwarePolicy = { loadMargin: 1, maxBlocks: 65_536 };

/** Where one model's affinity lives: its prefix index and the ring of its backends. */
export interface AffinityTables {
  readonly index: PrefixIndex;
  /** Null until a session arrives. */
  readonly ring: HashRing | null;
}

/**
 * `cache-aware` (docs/routing.md): the index of the candidate that holds the longest prefix of the prompt (or, for a
 * session, the first on the ring from the session's hash), among those whose load is within the margin of
 * the least loaded. Load is least-waiting's expected time to first token per unit of weight, so a backend
 * with more slots, or faster, carries more before it counts as loaded, and the margin reads as "how much
 * longer a request may expect to wait for its first token to get its prefix cached". Null when nothing
 * useful is held within the margin: least-waiting then decides (the caller). Decided per request: a hot
 * prefix spills to the least loaded backend when its holder is busy, and from then on two backends hold it.
 */
export function chooseByAffinity(
  candidates: readonly CandidateView[],
  profiles: readonly BackendProfile[],
  random: Random,
  affinity: Affinity,
  tables: AffinityTables,
  loadMargin: number,
): number | null {
  const costs = candidates.map(
    (candidate, i) => expectedFirstTokenMs(requestsAhead(candidate), profiles[i]!) / candidate.weight,
  );
  let lowest = Number.POSITIVE_INFINITY;
  for (const cost of costs) lowest = Math.min(lowest, cost);
  const bound = lowest * (1 + loadMargin);
  const within = (i: number) => costs[i]! <= bound;

  if (affinity.session !== null) {
    if (tables.ring === null) return null;
    const position = new Map(candidates.map((candidate, i) => [candidate.id, i]));
    const id = tables.ring.walk(affinity.session, (member) => {
      const i = position.get(member);
      return i !== undefined && within(i);
    });
    return id === null ? null : position.get(id)!;
  }

  const matched = tables.index.match(
    affinity.blocks,
    candidates.map((candidate) => candidate.id),
  );
  let best = -1;
  let ties = 0;
  for (let i = 0; i < candidates.length; i++) {
    if (matched[i] === 0 || !within(i)) continue;
    if (
      best < 0 ||
      matched[i]! > matched[best]! ||
      (matched[i] === matched[best] && costs[i]! < costs[best]!)
    ) {
      best = i;
      ties = 1;
    } else if (matched[i] === matched[best] && costs[i] === costs[best]) {
      ties++;
      if (random() * ties < 1) best = i;
    }
  }
  return best < 0 ? null : best;
}

/**
 * least-waiting's profiles with each backend's time to first token taken from its peers' typical one,
 * scaled by how much slower it decodes (its first-to-last-byte time, else its engine's token rate): on a
 * fleet that caches prefixes, a backend's own first-token time mostly says how many of its prompts were
 * cached, not how fast it is. Left as measured, the backend that keeps getting cache hits looks fast and
 * draws ever more traffic, while one that had misses looks slow and idles (positive feedback into a
 * hotspot); decoding is the same work with or without a cached prefix. Capacities are unchanged.
 */
export function cacheNeutralProfiles(
  inputs: readonly ProfileInput[],
  profiles: readonly BackendProfile[],
): BackendProfile[] {
  const firsts: number[] = [];
  const decodes: number[] = [];
  const rates: number[] = [];
  const timedRates: number[] = [];
  for (const input of inputs) {
    if (input.firstTokenMs !== null) firsts.push(input.firstTokenMs);
    if (input.decodeMs !== null) decodes.push(input.decodeMs);
    if (input.engineTokenRate !== null && input.engineTokenRate > 0) {
      rates.push(input.engineTokenRate);
      if (input.decodeMs !== null) timedRates.push(input.engineTokenRate);
    }
  }
  const typicalFirst = Math.max(1, firsts.length > 0 ? median(firsts) : 1);
  const typicalDecode = decodes.length > 0 ? median(decodes) : 0;
  // The rate that goes with the typical decode time: the timed backends' (at a cold start, everyone's).
  const typicalRate = timedRates.length > 0 ? median(timedRates) : rates.length > 0 ? median(rates) : 0;
  const neutral = inputs.map((input, i) => {
    const { decodeMs: decode, engineTokenRate: rate } = input;
    const slower =
      decode !== null && typicalDecode > 0
        ? decode / typicalDecode
        : rate !== null && rate > 0 && typicalRate > 0
          ? typicalRate / rate
          : 1;
    const firstTokenMs = Math.max(1, typicalFirst * slower);
    return { ...profiles[i]!, firstTokenMs, serviceMs: firstTokenMs + (decode ?? typicalDecode * slower) };
  });
  const typicalService = median(neutral.map((profile) => profile.serviceMs));
  return neutral.map((profile) => ({ ...profile, relativeSpeed: typicalService / profile.serviceMs }));
}

import type { AcquireRequest } from '../../src/index.ts';
import { degradedShare } from './degraded-share.ts';

type CandidateSpec = AcquireRequest['candidates'][number];

/** The RPM window, as Redis keeps it. */
export const WINDOW_MS = 60_000;

/**
 * This replica's own sends to a backend with an RPM limit in the last 60 s, with their tokens: after an
 * outage they go back into Redis (which may have restarted empty) under the same members, so the window
 * counts them once.
 */
class SendLog {
  readonly #entries: { readonly token: string; readonly at: number }[] = [];

  add(token: string, at: number): void {
    this.#entries.push({ token, at });
  }

  remove(token: string): void {
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      if (this.#entries[i]!.token !== token) continue;
      this.#entries.splice(i, 1);
      return;
    }
  }

  recent(now: number): readonly { readonly token: string; readonly at: number }[] {
    let expired = 0;
    while (expired < this.#entries.length && this.#entries[expired]!.at <= now - WINDOW_MS) expired++;
    if (expired > 0) this.#entries.splice(0, expired);
    return this.#entries;
  }
}

/** This replica's own use of one backend, and the shared counts it last saw. */
interface Own {
  readonly sends: SendLog;
  inflight: number;
  seenAt: number;
  /** Others' sends and in-flight attempts at that moment: the shared count minus this replica's own. */
  othersSends: number;
  othersInflight: number;
}

/**
 * A Redis replica's own use of each backend (its sends in the RPM window, its open attempts) beside the
 * other replicas' as it last saw them in Redis: what its share of each limit is cut from while Redis is
 * away (degraded-share.ts), and what it writes back when Redis returns.
 */
export class ReplicaUsage {
  readonly #own = new Map<string, Own>();

  /** An attempt taken; `limited`: the backend has an RPM limit (only those sends are kept). */
  sent(id: string, token: string, at: number, limited: boolean): void {
    const own = this.#ownOf(id);
    if (limited) own.sends.add(token, at);
    own.inflight++;
  }

  /** An attempt ended; `refunded`: it never reached the backend, so its send does not count. */
  ended(id: string, token: string, refunded: boolean): void {
    const own = this.#own.get(id);
    if (!own) return;
    own.inflight = Math.max(0, own.inflight - 1);
    if (refunded) own.sends.remove(token);
  }

  /**
   * The shared counts Redis answered with, remembered as the others' (minus this replica's own).
   * `mine`: this replica's send already in `count` but not yet in its own counters.
   */
  seen(id: string, count: { sends: number; inflight: number }, now: number, mine: number): void {
    const own = this.#ownOf(id);
    own.seenAt = now;
    own.othersSends = Math.max(0, count.sends - own.sends.recent(now).length - mine);
    own.othersInflight = Math.max(0, count.inflight - own.inflight - mine);
  }

  /** The candidate with each limit cut to this replica's share of what the others leave. */
  shareOf(spec: CandidateSpec, now: number, replicas: number, leaseMs: number): CandidateSpec {
    if (spec.rpmLimit === null && spec.maxConcurrency === null) return spec;
    const own = this.#own.get(spec.id);
    // Others' counts as last seen hold for as long as theirs could still be in the window (a send) or
    // in flight unrenewed (a lease); after that each replica's share alone keeps the sum in bounds.
    const others = (amount: number | undefined, forMs: number) =>
      own !== undefined && amount !== undefined && now - own.seenAt < forMs ? amount : 0;
    return {
      ...spec,
      rpmLimit:
        spec.rpmLimit === null
          ? null
          : degradedShare(spec.rpmLimit, replicas, others(own?.othersSends, WINDOW_MS)),
      maxConcurrency:
        spec.maxConcurrency === null
          ? null
          : degradedShare(spec.maxConcurrency, replicas, others(own?.othersInflight, leaseMs)),
    };
  }

  /** This replica's sends still in the window, per backend. */
  *recentSends(now: number): Iterable<{ readonly id: string; readonly token: string; readonly at: number }> {
    for (const [id, own] of this.#own) for (const sent of own.sends.recent(now)) yield { id, ...sent };
  }

  #ownOf(id: string): Own {
    let own = this.#own.get(id);
    if (!own) {
      own = {
        sends: new SendLog(),
        inflight: 0,
        seenAt: Number.NEGATIVE_INFINITY,
        othersSends: 0,
        othersInflight: 0,
      };
      this.#own.set(id, own);
    }
    return own;
  }
}

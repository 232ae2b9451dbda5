import type { Random } from '../core/random.ts';
import type { BackendLive } from './backend-live.ts';
import type { Lease } from './router-state.ts';

interface Held {
  readonly live: BackendLive;
  until: number;
  firstByte: boolean;
}

/** Expired leases are looked for at most this often: a sweep walks every lease. */
const SWEEP_EVERY_MS = 1000;

/**
 * The leases of one state (router-state.ts `Lease`): an attempt acquired with a lease holds its slot
 * until it is released or its deadline passes unrenewed. Ids start with a random prefix so an object
 * restarted with an empty book never mistakes a new lease for one an isolate still holds.
 */
export class LeaseBook {
  readonly #held = new Map<string, Held>();
  readonly #random: Random;
  #prefix: string | null = null;
  #count = 0;
  #sweptAt = Number.NEGATIVE_INFINITY;

  constructor(random: Random) {
    this.#random = random;
  }

  take(live: BackendLive, now: number, leaseMs: number): Lease {
    // Drawn at the first lease, so a state that never leases (Node) leaves the strategies' random alone.
    this.#prefix ??= Math.floor(this.#random() * 2 ** 32).toString(36);
    const id = `${this.#prefix}.${++this.#count}`;
    const until = now + leaseMs;
    this.#held.set(id, { live, until, firstByte: false });
    return { id, until };
  }

  /** Mark the lease's first byte: 'first' the first time, 'again' after, 'unknown' when not held (expired or released). */
  firstByte(id: string): 'first' | 'again' | 'unknown' {
    const held = this.#held.get(id);
    if (!held) return 'unknown';
    if (held.firstByte) return 'again';
    held.firstByte = true;
    return 'first';
  }

  renew(id: string, until: number): void {
    const held = this.#held.get(id);
    if (held) held.until = Math.max(held.until, until);
  }

  /** End a lease; null when it was not held (it expired, so its counters were already handed back). */
  end(id: string): { readonly firstByte: boolean } | null {
    const held = this.#held.get(id);
    if (!held) return null;
    this.#held.delete(id);
    return held;
  }

  /** Leases past their deadline, removed from the book (at most one sweep per second). */
  expire(now: number): readonly { readonly live: BackendLive; readonly firstByte: boolean }[] {
    if (this.#held.size === 0 || now - this.#sweptAt < SWEEP_EVERY_MS) return [];
    this.#sweptAt = now;
    const expired: Held[] = [];
    for (const [id, held] of this.#held) {
      if (held.until > now) continue;
      this.#held.delete(id);
      expired.push(held);
    }
    return expired;
  }
}

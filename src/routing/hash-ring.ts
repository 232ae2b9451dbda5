import { hashBytes } from '../core/prefix-chain.ts';

/** Points per backend of weight 1: enough that sessions spread within a few percent of the weights. */
const POINTS_PER_WEIGHT = 64;
const encoder = new TextEncoder();

/**
 * A consistent-hashing ring over one model's backends: each backend owns points on a 30-bit circle (more
 * for a larger weight), and a session hash belongs to the owner of the first point at or after it. Adding
 * or removing a backend moves only the sessions whose first point it owns; every other session keeps
 * its backend. Built once per membership (ids and weights) and reused.
 */
export class HashRing {
  readonly #ids: readonly string[];
  readonly #weights: readonly number[];
  readonly #points: Int32Array;
  readonly #owners: Int32Array;

  constructor(members: readonly { readonly id: string; readonly weight: number }[]) {
    this.#ids = members.map((member) => member.id);
    this.#weights = members.map((member) => member.weight);
    const points: { at: number; owner: number }[] = [];
    members.forEach((member, owner) => {
      const count = Math.max(1, Math.round(POINTS_PER_WEIGHT * member.weight));
      for (let k = 0; k < count; k++)
        points.push({ at: hashBytes(encoder.encode(`${member.id}#${k}`)), owner });
    });
    // Ties (a hash collision) broken by id, so every router builds the same ring.
    points.sort((a, b) => a.at - b.at || compare(this.#ids[a.owner]!, this.#ids[b.owner]!));
    this.#points = Int32Array.from(points, (p) => p.at);
    this.#owners = Int32Array.from(points, (p) => p.owner);
  }

  /** Whether this ring was built from exactly these members (same ids, order and weights). */
  matches(members: readonly { readonly id: string; readonly weight: number }[]): boolean {
    if (members.length !== this.#ids.length) return false;
    for (let i = 0; i < members.length; i++) {
      if (members[i]!.id !== this.#ids[i] || members[i]!.weight !== this.#weights[i]) return false;
    }
    return true;
  }

  /**
   * Visit the members in ring order from `key` clockwise, each once, until `accept` returns true; returns
   * the accepted member's id, or null when none was.
   */
  walk(key: number, accept: (id: string) => boolean): string | null {
    const total = this.#points.length;
    if (total === 0) return null;
    const visited = new Uint8Array(this.#ids.length);
    let left = 0;
    let right = total;
    while (left < right) {
      const mid = (left + right) >>> 1;
      if (this.#points[mid]! < key) left = mid + 1;
      else right = mid;
    }
    let remaining = this.#ids.length;
    for (let step = 0; step < total && remaining > 0; step++) {
      const owner = this.#owners[(left + step) % total]!;
      if (visited[owner] === 1) continue;
      visited[owner] = 1;
      remaining--;
      if (accept(this.#ids[owner]!)) return this.#ids[owner]!;
    }
    return null;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

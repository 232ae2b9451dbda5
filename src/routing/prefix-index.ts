/** Entries the pool starts with; it doubles up to the index's capacity as blocks arrive. */
const INITIAL_ENTRIES = 1024;
const NIL = -1;
/**
 * Estimated bytes of one Map entry (key, value and chain link, plus its bucket share) on a 64-bit V8
 * without pointer compression, as Node ships: what `bytes()` adds to the typed arrays it owns exactly.
 */
const MAP_ENTRY_BYTES = 32;

/**
 * Which backends of one model recently served which prefix blocks (core/prefix-chain.ts hashes): the
 * router's approximation of each engine's prefix cache. One entry per (block, backend); each backend's
 * entries form a least-recently-used list, as each engine evicts its own cache LRU-first. The index holds
 * at most `capacity` entries however many prompts pass through it: when full, a new entry evicts the
 * least recently used one of the same backend while that backend holds its fair share (capacity ÷
 * backends) or more, else of the backend holding the most — every engine is taken to have an equal cache.
 *
 * Entries live in typed arrays (20 bytes each) plus one Map entry per distinct block, so the memory is
 * bounded and the garbage collector sees a handful of objects, not one per block.
 */
export class PrefixIndex {
  #capacity: number;
  #size = 0;
  #hash = new Int32Array(0);
  #slot = new Int32Array(0);
  /** Towards the backend's most / least recently used entry. */
  #newer = new Int32Array(0);
  #older = new Int32Array(0);
  /** Next entry with the same hash (another backend holding the same block). */
  #same = new Int32Array(0);
  #used = 0;
  #free = NIL;
  /** Block hash -> its first entry. */
  readonly #heads = new Map<number, number>();
  readonly #slots = new Map<string, number>();
  readonly #ids: (string | null)[] = [];
  readonly #mru: number[] = [];
  readonly #lru: number[] = [];
  readonly #counts: number[] = [];
  readonly #freeSlots: number[] = [];

  constructor(capacity: number) {
    this.#capacity = Math.max(1, Math.floor(capacity));
  }

  /** Entries held (one per block and backend that holds it). */
  get size(): number {
    return this.#size;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** Backends with at least one entry. */
  get backends(): number {
    return this.#slots.size;
  }

  /** Memory the index holds: its typed arrays exactly, its Map estimated. */
  bytes(): number {
    const arrays =
      this.#hash.byteLength +
      this.#slot.byteLength +
      this.#newer.byteLength +
      this.#older.byteLength +
      this.#same.byteLength;
    return arrays + this.#heads.size * MAP_ENTRY_BYTES;
  }

  /** A new cap (a config reload): evicts down to it at once when smaller. */
  resize(capacity: number): void {
    this.#capacity = Math.max(1, Math.floor(capacity));
    while (this.#size > this.#capacity) this.#evict(NIL);
  }

  /**
   * For each of `ids`, how many leading blocks of `chain` it holds (0 when the first is missing): the
   * length of its cached prefix in blocks. Stops at the first block no candidate holds.
   */
  match(chain: readonly number[], ids: readonly string[]): number[] {
    const matched = ids.map(() => 0);
    const slots = ids.map((id) => this.#slots.get(id) ?? NIL);
    let alive = slots.reduce((n, slot) => (slot === NIL ? n : n + 1), 0);
    if (alive === 0) return matched;
    const seen = new Int32Array(this.#ids.length);
    for (let level = 0; level < chain.length && alive > 0; level++) {
      let entry = this.#heads.get(chain[level]!);
      if (entry === undefined) break;
      for (; entry !== NIL; entry = this.#same[entry]!) seen[this.#slot[entry]!] = level + 1;
      for (let j = 0; j < ids.length; j++) {
        const slot = slots[j]!;
        // A candidate is still matching at this level iff it matched every level before.
        if (slot === NIL || matched[j] !== level) continue;
        if (seen[slot] === level + 1) matched[j] = level + 1;
        else alive--;
      }
    }
    return matched;
  }

  /**
   * Backend `id` is about to hold every block of `chain` (the request was sent there): each block
   * becomes its most recently used, the first block most recent of all, so that the tail of a prefix is
   * evicted before its head (as vLLM frees a sequence's blocks last-first).
   */
  record(chain: readonly number[], id: string): void {
    if (chain.length === 0) return;
    const slot = this.#slotOf(id);
    for (let level = chain.length - 1; level >= 0; level--) {
      const hash = chain[level]!;
      const existing = this.#find(hash, slot);
      if (existing !== NIL) {
        this.#unlinkLru(existing);
        this.#pushMru(existing, slot);
        continue;
      }
      if (this.#size >= this.#capacity) this.#evict(slot);
      this.#insert(hash, slot);
    }
  }

  /** Drop everything backend `id` holds: its cache is gone (removed, restarted, ejected, unhealthy). */
  forget(id: string): void {
    const slot = this.#slots.get(id);
    if (slot === undefined) return;
    while (this.#mru[slot] !== NIL) this.#remove(this.#mru[slot]!);
    this.#releaseSlot(slot);
  }

  /** Entries backend `id` holds. */
  countOf(id: string): number {
    const slot = this.#slots.get(id);
    return slot === undefined ? 0 : this.#counts[slot]!;
  }

  #slotOf(id: string): number {
    const known = this.#slots.get(id);
    if (known !== undefined) return known;
    const slot = this.#freeSlots.pop() ?? this.#ids.length;
    this.#ids[slot] = id;
    this.#mru[slot] = NIL;
    this.#lru[slot] = NIL;
    this.#counts[slot] = 0;
    this.#slots.set(id, slot);
    return slot;
  }

  #releaseSlot(slot: number): void {
    const id = this.#ids[slot];
    if (id === null || id === undefined) return;
    this.#slots.delete(id);
    this.#ids[slot] = null;
    this.#freeSlots.push(slot);
  }

  #find(hash: number, slot: number): number {
    let entry = this.#heads.get(hash) ?? NIL;
    while (entry !== NIL && this.#slot[entry] !== slot) entry = this.#same[entry]!;
    return entry;
  }

  #insert(hash: number, slot: number): void {
    const entry = this.#allocate();
    this.#hash[entry] = hash;
    this.#slot[entry] = slot;
    this.#same[entry] = this.#heads.get(hash) ?? NIL;
    this.#heads.set(hash, entry);
    this.#pushMru(entry, slot);
    this.#counts[slot]!++;
    this.#size++;
  }

  #remove(entry: number): void {
    const slot = this.#slot[entry]!;
    const hash = this.#hash[entry]!;
    this.#unlinkLru(entry);
    const head = this.#heads.get(hash)!;
    if (head === entry) {
      const next = this.#same[entry]!;
      if (next === NIL) this.#heads.delete(hash);
      else this.#heads.set(hash, next);
    } else {
      let before = head;
      while (this.#same[before] !== entry) before = this.#same[before]!;
      this.#same[before] = this.#same[entry]!;
    }
    this.#counts[slot]!--;
    this.#size--;
    this.#newer[entry] = this.#free;
    this.#free = entry;
  }

  /** Evict one entry to make room for `slot` (NIL: for nobody in particular, a shrink). */
  #evict(slot: number): void {
    let victim = slot;
    const fair = this.#capacity / Math.max(1, this.#slots.size);
    if (victim === NIL || this.#counts[victim]! < fair || this.#lru[victim] === NIL) {
      victim = NIL;
      for (let s = 0; s < this.#ids.length; s++) {
        if (this.#ids[s] !== null && (victim === NIL || this.#counts[s]! > this.#counts[victim]!)) victim = s;
      }
    }
    if (victim === NIL || this.#lru[victim] === NIL) return;
    this.#remove(this.#lru[victim]!);
    if (this.#counts[victim] === 0 && victim !== slot) this.#releaseSlot(victim);
  }

  #pushMru(entry: number, slot: number): void {
    const first = this.#mru[slot]!;
    this.#newer[entry] = NIL;
    this.#older[entry] = first;
    if (first !== NIL) this.#newer[first] = entry;
    else this.#lru[slot] = entry;
    this.#mru[slot] = entry;
  }

  #unlinkLru(entry: number): void {
    const slot = this.#slot[entry]!;
    const newer = this.#newer[entry]!;
    const older = this.#older[entry]!;
    if (newer !== NIL) this.#older[newer] = older;
    else this.#mru[slot] = older;
    if (older !== NIL) this.#newer[older] = newer;
    else this.#lru[slot] = newer;
  }

  #allocate(): number {
    if (this.#free !== NIL) {
      const entry = this.#free;
      this.#free = this.#newer[entry]!;
      return entry;
    }
    if (this.#used === this.#hash.length) this.#grow();
    return this.#used++;
  }

  #grow(): void {
    // Doubling, but never past the capacity: the pool is the index's whole memory.
    const length = Math.max(
      this.#used + 1,
      Math.min(this.#capacity, Math.max(INITIAL_ENTRIES, this.#hash.length * 2)),
    );
    const grown = (old: Int32Array) => {
      const next = new Int32Array(length);
      next.set(old);
      return next;
    };
    this.#hash = grown(this.#hash);
    this.#slot = grown(this.#slot);
    this.#newer = grown(this.#newer);
    this.#older = grown(this.#older);
    this.#same = grown(this.#same);
  }
}

import type { ByteRange } from './scan-prompt.ts';

/** Seed of the first block: any fixed value; chained blocks are seeded with the previous block's hash. */
const SEED = 0x2545f491;
/** Hashes keep 30 bits: small integers in every JS engine (compact as map keys and in RPC messages). */
const MASK = 0x3fffffff;
/** Bytes one step of the four lanes reads; block sizes are a multiple of it (validated in the config). */
export const BLOCK_ALIGN = 16;

/**
 * The prefix identity of a prompt: its bytes [range.start, range.end) cut into blocks of `blockBytes`
 * from the start, each block hashed together with the hash of the block before it, so block k's hash
 * stands for the whole prefix up to the end of block k (as vLLM's block hashes do for tokens). Two
 * prompts that share their first k·blockBytes bytes share their first k hashes; a byte changed anywhere
 * changes the hash of its block and of every later one. Only whole blocks count (an engine caches whole
 * KV blocks too), and at most `maxBlocks` of them: the first maxBlocks·blockBytes bytes are all that is
 * read, which bounds the cost of a huge prompt (a base64 image is content like any other: the same image
 * hashes the same).
 *
 * Four independent multiply-xor lanes over 32-bit words, mixed once per block: about 0.1 ns per byte on
 * V8, a few times the cost of skipping the same bytes with memchr (bench/routing: affinity CPU). Not a
 * cryptographic hash: a collision only costs a request its cache hit.
 */
export function prefixChain(
  chunks: readonly Uint8Array[],
  range: ByteRange,
  blockBytes: number,
  maxBlocks: number,
): number[] {
  const count = Math.min(maxBlocks, Math.floor((range.end - range.start) / blockBytes));
  if (count <= 0) return [];
  const out = new Array<number>(count);
  let ci = 0;
  let pos = range.start;
  while (ci < chunks.length && pos >= chunks[ci]!.length) pos -= chunks[ci++]!.length;
  let viewChunk = -1;
  let view: DataView | null = null;
  let scratch: Uint8Array | null = null;
  let scratchView: DataView | null = null;
  let hash = SEED;
  for (let k = 0; k < count; k++) {
    const chunk = chunks[ci]!;
    if (pos + blockBytes <= chunk.length) {
      if (viewChunk !== ci) {
        view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        viewChunk = ci;
      }
      hash = hashBlock(view!, pos, blockBytes, hash);
      pos += blockBytes;
    } else {
      // The block spans chunks (rare: once per chunk boundary): hash a copy of it.
      if (scratch === null) {
        scratch = new Uint8Array(blockBytes);
        scratchView = new DataView(scratch.buffer);
      }
      let written = 0;
      while (written < blockBytes) {
        const part = chunks[ci]!;
        const take = Math.min(part.length - pos, blockBytes - written);
        scratch.set(part.subarray(pos, pos + take), written);
        written += take;
        pos += take;
        if (pos >= part.length) {
          ci++;
          pos = 0;
        }
      }
      hash = hashBlock(scratchView!, 0, blockBytes, hash);
    }
    out[k] = hash;
    while (ci < chunks.length && pos >= chunks[ci]!.length) pos -= chunks[ci++]!.length;
  }
  return out;
}

/** A 30-bit hash of a short byte string (a session id). */
export function hashBytes(bytes: Uint8Array): number {
  let h = SEED ^ bytes.length;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return finalMix(h) & MASK;
}

/** One block, `length` a multiple of 16, seeded with the previous block's hash. */
function hashBlock(view: DataView, offset: number, length: number, seed: number): number {
  let a = seed | 0;
  let b = (seed ^ 0x1b873593) | 0;
  let c = (seed ^ 0x27d4eb2d) | 0;
  let d = (seed ^ 0x165667b1) | 0;
  const end = offset + length;
  for (let i = offset; i < end; i += BLOCK_ALIGN) {
    // Each lane is a bijection of its state per word, so a changed word always changes its lane.
    a = Math.imul(a ^ view.getInt32(i, true), 0x01000193);
    b = Math.imul(b ^ view.getInt32(i + 4, true), 0x5bd1e995);
    c = Math.imul(c ^ view.getInt32(i + 8, true), 0x27d4eb2d);
    d = Math.imul(d ^ view.getInt32(i + 12, true), 0x165667b1);
  }
  return finalMix(a ^ Math.imul(b, 3) ^ Math.imul(c, 5) ^ Math.imul(d, 7)) & MASK;
}

/** MurmurHash3's finaliser: every input bit reaches every output bit. */
function finalMix(h: number): number {
  let f = h ^ (h >>> 16);
  f = Math.imul(f, 0x85ebca6b);
  f ^= f >>> 13;
  f = Math.imul(f, 0xc2b2ae35);
  return (f ^ (f >>> 16)) | 0;
}

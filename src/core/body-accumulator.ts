import { routerErrors } from './router-error.ts';

/** Chunks at least this large (in a buffer of about their size) are kept as they came: no copy. */
const KEEP_BYTES = 16 * 1024;
const MIN_BLOCK = 4 * 1024;
const MAX_BLOCK = 64 * 1024;

/**
 * Collects a request body as it arrives, with memory bounded by about twice the payload whatever the
 * transfer shape. Every chunk a runtime delivers is an object of its own (~100+ bytes with its buffer):
 * a chunked upload of 1-byte chunks held ~400 bytes per payload byte when chunks were kept as they came.
 * Small chunks are therefore copied into blocks that grow with the body (4 KB up to 64 KB); large ones
 * are kept without a copy, and a body that arrives as one chunk (most of them) is never copied. The size
 * limit is enforced as bytes arrive. Chunks stay separate (never one concatenated copy): the model scan,
 * the alias splice and the upstream write all work on the list.
 */
export class BodyAccumulator {
  readonly #maxBytes: number;
  readonly #chunks: Uint8Array[] = [];
  /** The first small chunk, not copied yet: most bodies are one chunk and need no block at all. */
  #loose: Uint8Array | null = null;
  #block: Uint8Array | null = null;
  #used = 0;
  #total = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Add the next chunk; throws the 413 RouterError once the body exceeds the limit. */
  push(chunk: Uint8Array): void {
    const size = chunk.byteLength;
    this.#total += size;
    if (this.#total > this.#maxBytes) throw routerErrors.bodyTooLarge(this.#maxBytes);
    if (size === 0) return;
    // A view on a much larger buffer would keep that whole buffer alive: copy it like a small chunk.
    const ownBuffer = chunk.buffer.byteLength <= 2 * size;
    if (size >= KEEP_BYTES && ownBuffer) {
      this.#seal();
      this.#chunks.push(chunk);
      return;
    }
    if (this.#loose === null && this.#block === null && this.#chunks.length === 0 && ownBuffer) {
      this.#loose = chunk;
      return;
    }
    if (this.#loose !== null) {
      const loose = this.#loose;
      this.#loose = null;
      this.#copy(loose);
    }
    this.#copy(chunk);
  }

  /** The body's chunks, in order. */
  finish(): Uint8Array[] {
    this.#seal();
    return this.#chunks;
  }

  #copy(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.byteLength) {
      if (this.#block === null) {
        // Blocks grow with the body, so a small body wastes little and a large one has few blocks.
        this.#block = new Uint8Array(Math.min(MAX_BLOCK, Math.max(MIN_BLOCK, this.#total)));
        this.#used = 0;
      }
      const n = Math.min(chunk.byteLength - offset, this.#block.byteLength - this.#used);
      this.#block.set(chunk.subarray(offset, offset + n), this.#used);
      this.#used += n;
      offset += n;
      if (this.#used === this.#block.byteLength) this.#seal();
    }
  }

  /** Close the open block (or hand over the loose chunk) so the next chunk goes after it. */
  #seal(): void {
    if (this.#loose !== null) {
      this.#chunks.push(this.#loose);
      this.#loose = null;
    }
    const block = this.#block;
    if (block === null) return;
    this.#block = null;
    // A block less than half used is trimmed to a copy of its bytes rather than kept whole.
    this.#chunks.push(
      this.#used * 2 <= block.byteLength ? block.slice(0, this.#used) : block.subarray(0, this.#used),
    );
  }
}

import { describe, expect, it } from 'vitest';
import { BodyAccumulator } from '../../src/core/body-accumulator.ts';
import { createSeededRandom } from '../../src/core/random.ts';
import { RouterError } from '../../src/core/router-error.ts';

const joined = (chunks: readonly Uint8Array[]) => Buffer.concat(chunks.map((c) => Buffer.from(c)));
/** Bytes the chunks keep alive: their whole backing buffers. */
const retained = (chunks: readonly Uint8Array[]) =>
  new Set(chunks.map((c) => c.buffer)).size === chunks.length
    ? chunks.reduce((sum, c) => sum + c.buffer.byteLength, 0)
    : Number.NaN;

function payload(size: number, seed: number): Uint8Array {
  const random = createSeededRandom(seed);
  return Uint8Array.from({ length: size }, () => Math.floor(random() * 256));
}

function feed(data: Uint8Array, sizes: (offset: number) => number, copyEach = true): Uint8Array[] {
  const body = new BodyAccumulator(data.byteLength + 1);
  for (let offset = 0; offset < data.byteLength; ) {
    const n = Math.min(sizes(offset), data.byteLength - offset);
    // Each runtime chunk arrives in a buffer of its own, as Node's parser delivers them.
    body.push(copyEach ? data.slice(offset, offset + n) : data.subarray(offset, offset + n));
    offset += n;
  }
  return body.finish();
}

describe('BodyAccumulator', () => {
  it('keeps a one-chunk body as it came (no copy on the common path)', () => {
    const chunk = payload(1000, 1);
    const body = new BodyAccumulator(10_000);
    body.push(chunk);
    const out = body.finish();
    expect(out).toHaveLength(1);
    expect(out[0]).toBe(chunk);
  });

  it.each([
    ['1-byte chunks', () => 1],
    ['7-byte chunks', () => 7],
    ['1 KB chunks', () => 1024],
    ['64 KB chunks', () => 65_536],
    ['mixed 1 B and 20 KB chunks', (offset: number) => (offset % 3 === 0 ? 20_000 : 1)],
  ])('%s: same bytes, few objects, at most ~2x the payload retained', (_name, sizes) => {
    const data = payload(300_000, 2);
    const out = feed(data, sizes);
    expect(joined(out).equals(Buffer.from(data))).toBe(true);
    // A block is at least 4 KB or a kept chunk at least 16 KB: objects stay ~1 per 4 KB of payload.
    expect(out.length).toBeLessThanOrEqual(Math.ceil(data.byteLength / 4096) + 2);
    expect(retained(out)).toBeLessThanOrEqual(2 * data.byteLength + 64 * 1024);
  });

  it('copies a small view on a large buffer instead of keeping the buffer alive', () => {
    const big = new Uint8Array(1_000_000);
    big.set([123, 34, 109], 500);
    const body = new BodyAccumulator(10_000);
    body.push(big.subarray(500, 503));
    const out = body.finish();
    expect([...joined(out)]).toEqual([123, 34, 109]);
    expect(out[0]?.buffer.byteLength).toBeLessThan(10_000);
  });

  it('refuses the body with a 413 RouterError once it exceeds the limit', () => {
    const body = new BodyAccumulator(10);
    body.push(new Uint8Array(6));
    expect(() => body.push(new Uint8Array(5))).toThrow(RouterError);
    try {
      new BodyAccumulator(3).push(new Uint8Array(4));
    } catch (error) {
      expect((error as RouterError).status).toBe(413);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { scanModel } from '../../src/core/scan-model.ts';
import { spliceModel, totalLength } from '../../src/core/splice-model.ts';
import { concat, JsonWriter, Rng, splitChunks } from './random-json.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const cut of cuts) {
    out.push(bytes.subarray(prev, cut));
    prev = cut;
  }
  out.push(bytes.subarray(prev));
  return out;
}

/** Splice, then check the result parses to the original with only `model` changed and other bytes intact. */
function checkSplice(chunks: Uint8Array[], newModel: string): Uint8Array[] {
  const scan = scanModel(chunks);
  if (scan.kind !== 'found') throw new Error(`no model in fixture: ${scan.kind}`);
  const original = concat(chunks);
  const out = spliceModel(chunks, scan.start, scan.end, newModel);
  const spliced = concat(out);
  const token = encoder.encode(JSON.stringify(newModel));
  expect(totalLength(out)).toBe(original.length - (scan.end - scan.start) + token.length);
  expect(spliced.subarray(0, scan.start)).toEqual(original.subarray(0, scan.start));
  expect(spliced.subarray(scan.start, scan.start + token.length)).toEqual(token);
  expect(spliced.subarray(scan.start + token.length)).toEqual(original.subarray(scan.end));
  const before = JSON.parse(decoder.decode(original)) as Record<string, unknown>;
  const after = JSON.parse(decoder.decode(spliced)) as Record<string, unknown>;
  expect(after).toEqual({ ...before, model: newModel });
  return out;
}

describe('totalLength', () => {
  it('sums chunk lengths', () => {
    expect(totalLength([])).toBe(0);
    expect(totalLength([new Uint8Array(3), new Uint8Array(0), new Uint8Array(5)])).toBe(8);
  });
});

describe('spliceModel', () => {
  const text = '{"messages":[{"role":"user","content":"hi"}],"model":"alias","stream":true}';
  const bytes = encoder.encode(text);

  it('rewrites the value in a single chunk', () => {
    const out = checkSplice([bytes], 'Qwen/Qwen3-8B');
    expect(decoder.decode(concat(out))).toBe(text.replace('"alias"', '"Qwen/Qwen3-8B"'));
  });

  it('escapes the new name as JSON', () => {
    checkSplice([bytes], 'we"ird\\name\n/é😀');
  });

  it('handles every pair of chunk boundaries inside and around the value', () => {
    for (let a = 0; a <= bytes.length; a++) {
      for (let b = a; b <= bytes.length; b += 3) checkSplice(splitAt(bytes, [a, b]), 'upstream-name');
    }
  });

  it('reuses the original buffers instead of copying them', () => {
    const big = encoder.encode(`{"input":"${'x'.repeat(100_000)}","model":"a"}`);
    const chunks = splitAt(big, [50_000]);
    const scan = scanModel(chunks);
    if (scan.kind !== 'found') throw new Error('fixture');
    const out = spliceModel(chunks, scan.start, scan.end, 'bbbb');
    expect(out[0]).toBe(chunks[0]);
    for (const part of out.slice(1)) {
      if (part.length > 100) expect(part.buffer).toBe(big.buffer);
    }
  });

  it('supports empty ranges and ranges at the very ends', () => {
    const abc = encoder.encode('abc');
    expect(decoder.decode(concat(spliceModel([abc], 0, 0, 'x')))).toBe('"x"abc');
    expect(decoder.decode(concat(spliceModel([abc], 3, 3, 'x')))).toBe('abc"x"');
    expect(decoder.decode(concat(spliceModel([abc.subarray(0, 1), abc.subarray(1)], 1, 1, 'x')))).toBe(
      'a"x"bc',
    );
    expect(decoder.decode(concat(spliceModel([abc], 0, 3, 'x')))).toBe('"x"');
    expect(decoder.decode(concat(spliceModel([], 0, 0, 'x')))).toBe('"x"');
  });

  it('rejects ranges outside the body', () => {
    expect(() => spliceModel([bytes], -1, 2, 'x')).toThrow(RangeError);
    expect(() => spliceModel([bytes], 5, 4, 'x')).toThrow(RangeError);
    expect(() => spliceModel([bytes], 0, bytes.length + 1, 'x')).toThrow(RangeError);
  });

  it('round-trips random documents split at random offsets', () => {
    const rng = new Rng(42);
    const writer = new JsonWriter(rng);
    let spliced = 0;
    for (let n = 0; n < 1500; n++) {
      const doc = encoder.encode(writer.document());
      const chunks = splitChunks(rng, doc);
      if (scanModel(chunks).kind !== 'found') continue;
      checkSplice(chunks, writer.rng.pick(['m', 'Qwen/Qwen3-8B', 'é"\\x', '']));
      spliced++;
    }
    expect(spliced).toBeGreaterThan(300);
  });
});

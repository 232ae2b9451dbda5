import { describe, expect, it } from 'vitest';
import { type ModelScan, scanModel } from '../../src/core/scan-model.ts';
import { concat, JsonWriter, Rng, splitChunks } from './random-json.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function bytesOf(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Split a text at the given byte offsets. */
function chunked(text: string, ...cuts: number[]): Uint8Array[] {
  const bytes = bytesOf(text);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const cut of cuts) {
    out.push(bytes.subarray(prev, cut));
    prev = cut;
  }
  out.push(bytes.subarray(prev));
  return out;
}

function scanText(text: string): ModelScan {
  return scanModel([bytesOf(text)]);
}

/** The oracle: what a JSON parser (ours or the Python upstream) reads as the routing model. */
function expectAgreesWithJsonParse(text: string, chunks: Uint8Array[]): void {
  const parsed = JSON.parse(text) as Record<string, unknown>;
  const expected = Object.hasOwn(parsed, 'model') ? parsed['model'] : undefined;
  const result = scanModel(chunks);
  if (typeof expected === 'string' && expected !== '') {
    expect(result, text).toMatchObject({ kind: 'found', model: expected });
    if (result.kind !== 'found') return;
    const bytes = concat(chunks);
    expect(bytes[result.start]).toBe(0x22);
    expect(bytes[result.end - 1]).toBe(0x22);
    expect(JSON.parse(decoder.decode(bytes.subarray(result.start, result.end)))).toBe(expected);
  } else {
    expect(result, text).toEqual({ kind: 'missing' });
  }
}

describe('scanModel', () => {
  it('finds a plain top-level model with its byte range', () => {
    const text = '{"model":"gpt-4o","messages":[]}';
    expect(scanText(text)).toEqual({ kind: 'found', model: 'gpt-4o', start: 9, end: 17 });
  });

  it('ignores model keys nested in messages and objects', () => {
    const text =
      '{"messages":[{"role":"user","model":"inner","content":{"model":"deeper"}}],"x":{"model":"y"}}';
    expect(scanText(text)).toEqual({ kind: 'missing' });
    const withTop = '{"messages":[{"model":"inner"}],"model":"outer"}';
    expect(scanText(withTop)).toMatchObject({ kind: 'found', model: 'outer' });
  });

  it('ignores model-looking text inside string values', () => {
    expect(scanText('{"content":"\\"model\\":\\"evil\\"","n":1}')).toEqual({ kind: 'missing' });
    expect(scanText('{"content":"x\\\\","model":"real"}')).toMatchObject({ kind: 'found', model: 'real' });
    expect(scanText('{"model ":"a","Model":"b"}')).toEqual({ kind: 'missing' });
  });

  it('lets the last duplicate top-level model win, as JSON.parse does', () => {
    expect(scanText('{"model":"a","model":"b"}')).toMatchObject({ kind: 'found', model: 'b' });
    expect(scanText('{"model":"a","model":null}')).toEqual({ kind: 'missing' });
    expect(scanText('{"model":null,"model":"c"}')).toMatchObject({ kind: 'found', model: 'c' });
  });

  it('decodes escaped keys and values', () => {
    expect(scanText('{"mod\\u0065l":"x"}')).toMatchObject({ kind: 'found', model: 'x' });
    expect(scanText('{"\\u006D\\u006f\\u0064\\u0065\\u006c":"x"}')).toMatchObject({
      kind: 'found',
      model: 'x',
    });
    expect(scanText('{"model":"org\\/m\\u00e9\\ud83d\\ude00"}')).toMatchObject({
      kind: 'found',
      model: 'org/mé😀',
    });
    expect(scanText('{"model":"a\\"b\\\\"}')).toMatchObject({ kind: 'found', model: 'a"b\\' });
  });

  it('reports missing for absent, null, number, empty, object and array values', () => {
    for (const v of ['null', '3', '""', '{"model":"x"}', '["x"]', 'true']) {
      expect(scanText(`{"model":${v}}`), v).toEqual({ kind: 'missing' });
    }
    expect(scanText('{}')).toEqual({ kind: 'missing' });
    expect(scanText(' \n{ "a" : 1 }\r\n')).toEqual({ kind: 'missing' });
  });

  it('rejects non-object tops, truncation and trailing garbage', () => {
    const bad = [
      '',
      '   ',
      '[]',
      '[{"model":"x"}]',
      '"x"',
      '12',
      'null',
      '{"model":"x"',
      '{"model":"x",',
      '{"model":"x}',
      '{"model":"x\\"}',
      '{"model":"x"}}',
      '{"model":"x"} x',
      '{} {}',
      '{"a":[1,2}',
      '{"model":"\\x"}',
    ];
    for (const text of bad) expect(scanText(text), text).toEqual({ kind: 'invalid' });
    expect(scanModel([])).toEqual({ kind: 'invalid' });
  });

  it('rejects a model value that is not UTF-8', () => {
    const bytes = bytesOf('{"model":"ab"}');
    bytes[11] = 0xff;
    expect(scanModel([bytes])).toEqual({ kind: 'invalid' });
  });

  it('handles tokens split across chunk boundaries', () => {
    const text = '{"x":"a\\\\","mod\\u0065l":"q\\"\\u00e9"}';
    const bytes = bytesOf(text);
    for (let a = 1; a < bytes.length; a++) {
      for (let b = a; b < bytes.length; b++) {
        expectAgreesWithJsonParse(text, chunked(text, a, b));
      }
    }
  });

  it('counts backslash runs that span several chunks', () => {
    // "a\\\\\" ends only at the last quote: the run of 5 backslashes escapes the first quote after it.
    const text = '{"k":"a\\\\\\\\\\"","model":"m"}';
    const bytes = bytesOf(text);
    const oneByte = Array.from(bytes, (b) => Uint8Array.of(b));
    expectAgreesWithJsonParse(text, oneByte);
    expectAgreesWithJsonParse(text, [
      bytes.subarray(0, 8),
      new Uint8Array(0),
      bytes.subarray(8, 9),
      bytes.subarray(9),
    ]);
  });

  it('agrees with JSON.parse on 3,000 random documents split at random offsets', () => {
    const rng = new Rng(0x5eed);
    const writer = new JsonWriter(rng);
    let found = 0;
    let missing = 0;
    let escapedKeys = 0;
    for (let n = 0; n < 3000; n++) {
      const text = writer.document();
      const bytes = bytesOf(text);
      const chunks = splitChunks(rng, bytes);
      expectAgreesWithJsonParse(text, chunks);
      const r = scanModel(chunks);
      if (r.kind === 'found') found++;
      else if (r.kind === 'missing') missing++;
      if (r.kind === 'found' && !text.includes('"model"')) escapedKeys++;
      // Any cut before the closing brace leaves an unterminated structure.
      const close = bytes.lastIndexOf(0x7d);
      const cut = rng.int(close);
      expect(scanModel(splitChunks(rng, bytes.subarray(0, cut))), text.slice(0, cut)).toEqual({
        kind: 'invalid',
      });
    }
    // Guard against a generator that stopped producing the interesting cases.
    expect(found).toBeGreaterThan(800);
    expect(missing).toBeGreaterThan(800);
    expect(escapedKeys).toBeGreaterThan(50);
  });

  it('finds model after a 10 MB base64 string without concatenating', () => {
    const blob = 'QUJDRA=='.repeat((10 * 1024 * 1024) / 8);
    const head = bytesOf(
      `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,`,
    );
    const body = bytesOf(blob);
    const tail = bytesOf('"}}]}],"model":"Qwen3-VL-30B-A3B-Instruct","stream":true}');
    const chunks: Uint8Array[] = [head];
    for (let at = 0; at < body.length; at += 65_536) chunks.push(body.subarray(at, at + 65_536));
    chunks.push(tail);
    const result = scanModel(chunks);
    expect(result).toMatchObject({ kind: 'found', model: 'Qwen3-VL-30B-A3B-Instruct' });
    if (result.kind === 'found')
      expect(result.start).toBe(head.length + body.length + tail.indexOf(0x22, 14));
  });
});

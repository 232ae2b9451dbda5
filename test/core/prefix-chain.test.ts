import { describe, expect, it } from 'vitest';
import { hashBytes, prefixChain } from '../../src/core/prefix-chain.ts';
import { requestAffinity } from '../../src/core/request-affinity.ts';
import { scanPrompt } from '../../src/core/scan-prompt.ts';
import { Rng, splitChunks } from './random-json.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const BLOCK = 64;

function chainOf(text: string, chunks: Uint8Array[] = [encoder.encode(text)], maxBlocks = 1000): number[] {
  const scan = scanPrompt(chunks);
  if (scan.prompt === null) throw new Error(`no prompt in ${text.slice(0, 80)}`);
  return prefixChain(chunks, scan.prompt, BLOCK, maxBlocks);
}

function chatBody(messages: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ model: 'm', ...extra, messages, stream: true });
}

const system = `You are a careful assistant. ${'Follow the house style guide to the letter. '.repeat(30)}`;

describe('scanPrompt', () => {
  it('finds the top-level messages, prompt or input value, never a nested one', () => {
    const text = JSON.stringify({
      model: 'm',
      metadata: { messages: ['nested'], prompt: 'nested' },
      messages: [{ role: 'user', content: 'hi "there"' }],
      user: 'u-1',
    });
    const bytes = encoder.encode(text);
    const scan = scanPrompt([bytes]);
    expect(decoder.decode(bytes.subarray(scan.prompt!.start, scan.prompt!.end))).toBe(
      JSON.stringify([{ role: 'user', content: 'hi "there"' }]),
    );
    expect(decoder.decode(bytes.subarray(scan.user!.start, scan.user!.end))).toBe('"u-1"');
    const completion = encoder.encode('{"prompt": "once upon a time", "model": "m"}');
    const found = scanPrompt([completion]).prompt!;
    expect(decoder.decode(completion.subarray(found.start, found.end))).toBe('"once upon a time"');
    expect(scanPrompt([encoder.encode('{"model":"m","input":["a","b"]}')]).prompt).not.toBeNull();
  });

  it('gives nothing for a body it cannot follow, and no user unless it is a string', () => {
    expect(scanPrompt([encoder.encode('[1,2]')])).toEqual({ prompt: null, user: null });
    expect(scanPrompt([encoder.encode('{"messages":[{"a":"b"}')])).toEqual({ prompt: null, user: null });
    expect(scanPrompt([encoder.encode('{"messages":[],"user":{"id":1}}')]).user).toBeNull();
    expect(scanPrompt([encoder.encode('{"messages":null}')]).prompt).toBeNull();
  });

  it('finds the same ranges however the body is split into chunks', () => {
    const rng = new Rng(11);
    const text = chatBody(
      [
        { role: 'system', content: system },
        { role: 'user', content: 'q "1" \\ end' },
      ],
      {
        user: 'someone',
      },
    );
    const whole = scanPrompt([encoder.encode(text)]);
    for (let round = 0; round < 50; round++) {
      expect(scanPrompt(splitChunks(rng, encoder.encode(text)))).toEqual(whole);
    }
  });
});

describe('prefixChain', () => {
  it('gives the same chain for the same prefix, whatever follows and however it is chunked', () => {
    const a = chatBody([
      { role: 'system', content: system },
      { role: 'user', content: 'What is 2+2?' },
    ]);
    const b = chatBody([
      { role: 'system', content: system },
      { role: 'user', content: 'Translate this sentence into French, please.' },
    ]);
    const chainA = chainOf(a);
    const chainB = chainOf(b);
    // The system message fills many blocks; those are shared, the ones holding the question are not.
    const sharedBlocks = Math.floor(
      (JSON.stringify([{ role: 'system', content: system }]).length - 1) / BLOCK,
    );
    expect(sharedBlocks).toBeGreaterThan(10);
    expect(chainA.slice(0, sharedBlocks)).toEqual(chainB.slice(0, sharedBlocks));
    expect(chainA.length).toBeGreaterThan(sharedBlocks);
    expect(chainA[chainA.length - 1]).not.toBe(chainB[chainA.length - 1]);
    const rng = new Rng(3);
    for (let round = 0; round < 30; round++) {
      expect(chainOf(a, splitChunks(rng, encoder.encode(a)))).toEqual(chainA);
    }
    // Only whole blocks, every value a 30-bit non-negative integer.
    expect(chainA.length).toBe(Math.floor(JSON.stringify(JSON.parse(a).messages).length / BLOCK));
    for (const h of chainA) expect(h >= 0 && h < 2 ** 30 && Number.isInteger(h)).toBe(true);
  });

  it('a changed byte changes its block and every later one, and none before', () => {
    const text = chatBody([{ role: 'user', content: `${system}${system}` }]);
    const base = chainOf(text);
    const bytes = encoder.encode(text);
    const start = scanPrompt([bytes]).prompt!.start;
    for (const wanted of [30, 63, 64, 200, 777, base.length * BLOCK - 2]) {
      // A letter of the content (changing JSON's own punctuation would make another body).
      let offset = wanted;
      while (!/[a-z]/.test(String.fromCharCode(bytes[start + offset]!))) offset--;
      const changed = bytes.slice();
      const at = start + offset;
      changed[at] = changed[at] === 0x61 ? 0x62 : 0x61;
      const chain = chainOf('', [changed]);
      const block = Math.floor(offset / BLOCK);
      expect(chain.slice(0, block), `offset ${offset}`).toEqual(base.slice(0, block));
      for (let k = block; k < base.length; k++)
        expect(chain[k], `offset ${offset}, block ${k}`).not.toBe(base[k]);
    }
  });

  it('counts images as content: the same image hashes the same, another one differently', () => {
    const image = (seed: number) =>
      `data:image/png;base64,${Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * seed) % 251)).toString('base64')}`;
    const ask = (url: string, question: string) =>
      chatBody([
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url } },
            { type: 'text', text: question },
          ],
        },
      ]);
    const first = chainOf(ask(image(7), 'What is in the picture?'));
    const again = chainOf(ask(image(7), 'How many people are there?'));
    const other = chainOf(ask(image(13), 'What is in the picture?'));
    const imageBlocks = Math.floor(image(7).length / BLOCK) - 1;
    expect(again.slice(0, imageBlocks)).toEqual(first.slice(0, imageBlocks));
    // The first block holds the part type and the data-URL header, identical for both images.
    expect(other[2]).not.toBe(first[2]);
  });

  it('hashes at most maxBlocks blocks, and nothing for a prompt shorter than one', () => {
    const text = chatBody([{ role: 'user', content: system }]);
    expect(chainOf(text, undefined, 4)).toEqual(chainOf(text).slice(0, 4));
    expect(prefixChain([encoder.encode('"short"')], { start: 0, end: 7 }, BLOCK, 10)).toEqual([]);
  });

  it('hashBytes tells short ids apart deterministically', () => {
    expect(hashBytes(encoder.encode('session-1'))).toBe(hashBytes(encoder.encode('session-1')));
    expect(hashBytes(encoder.encode('session-1'))).not.toBe(hashBytes(encoder.encode('session-2')));
  });
});

describe('requestAffinity', () => {
  const settings = {
    blockBytes: BLOCK,
    maxPrefixBlocks: 100,
    sessionHeader: 'x-session-id',
    sessionFromUser: true,
  };
  const request = (body: string, headers: Record<string, string> = {}) => ({
    path: 'chat/completions',
    headers,
    body: [encoder.encode(body)],
    signal: new AbortController().signal,
  });
  const body = chatBody([{ role: 'system', content: system }], { user: 'alice' });

  it('a session header decides without hashing the body; else the user; else the prompt', () => {
    const byHeader = requestAffinity(request(body, { 'x-session-id': 'conv-9' }), settings);
    expect(byHeader).toEqual({ session: hashBytes(encoder.encode('conv-9')), blocks: [] });
    const byUser = requestAffinity(request(body), settings);
    expect(byUser).toEqual({ session: hashBytes(encoder.encode('"alice"')), blocks: [] });
    const byPrompt = requestAffinity(request(body), { ...settings, sessionFromUser: false });
    expect(byPrompt?.session).toBeNull();
    expect(byPrompt?.blocks).toEqual(chainOf(body));
    expect(requestAffinity(request('{"model":"m","messages":[]}'), settings)).toBeNull();
  });
});

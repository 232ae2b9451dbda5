import { randomBytes } from 'node:crypto';

export const BENCH_MODEL = 'bench-model';

/** A non-streaming chat body of about `bytes` bytes (default 1 KB): system + user messages, model first. */
export function chatBody(bytes = 1024, stream = false): Buffer {
  const head = { model: BENCH_MODEL, ...(stream ? { stream: true } : {}), max_tokens: 16 };
  const shell = JSON.stringify({
    ...head,
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: '' },
    ],
  });
  const filler = 'The quick brown fox jumps over the lazy dog. '.repeat(Math.ceil(bytes / 45));
  const content = filler.slice(0, Math.max(0, bytes - shell.length));
  return Buffer.from(
    JSON.stringify({
      ...head,
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content },
      ],
    }),
  );
}

/** A vision request of `bytes` bytes whose `model` key comes after a base64 image (worst case for a scan). */
export function imageBody(bytes: number): Buffer {
  const before =
    '{"messages":[{"role":"user","content":[{"type":"text","text":"What is in this image?"},' +
    '{"type":"image_url","image_url":{"url":"data:image/png;base64,';
  const after = `"}}]}],"model":"${BENCH_MODEL}","max_tokens":16}`;
  const b64Length = Math.max(0, bytes - before.length - after.length);
  const b64 = randomBytes(Math.ceil((b64Length * 3) / 4) + 3)
    .toString('base64')
    .slice(0, b64Length);
  return Buffer.from(before + b64 + after);
}

/** Split a body into `size`-byte views, like the chunks a socket delivers. */
export function chunked(body: Buffer, size = 64 * 1024): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let offset = 0; offset < body.length; offset += size) out.push(body.subarray(offset, offset + size));
  return out;
}

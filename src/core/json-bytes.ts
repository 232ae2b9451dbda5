/**
 * Byte-level helpers shared by the raw-body scans (scan-model.ts, scan-prompt.ts): JSON's structural bytes
 * and string skipping over a body kept as the socket delivered it (a list of chunks, never joined).
 */

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const LBRACE = 0x7b;
export const RBRACE = 0x7d;
export const LBRACKET = 0x5b;
export const RBRACKET = 0x5d;
export const COLON = 0x3a;
export const COMMA = 0x2c;

/** Strings shorter than this are scanned byte by byte before falling back to indexOf. */
const SHORT_STRING = 48;

export function isWhitespace(b: number | undefined): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/**
 * Absolute offset just after the closing quote of a string whose content starts at chunks[ci][pos], or -1
 * when the body ends inside it.
 */
export function findStringEnd(chunks: readonly Uint8Array[], ci: number, pos: number, base: number): number {
  // Most strings (keys, roles, short values) end within a few bytes, where a plain loop beats the cost of a
  // builtin call; long ones (base64 images, long prompts) go to indexOf, which Node's Buffer runs as memchr.
  const first = chunks[ci]!;
  const stop = Math.min(first.length, pos + SHORT_STRING);
  while (pos < stop) {
    const b = first[pos];
    if (b === QUOTE) return base + pos + 1;
    pos += b === BACKSLASH ? 2 : 1;
  }
  // pos may now sit one past the chunk (an escape split by the boundary); isEscaped below handles that quote.
  for (; ci < chunks.length; ci++) {
    const chunk = chunks[ci]!;
    let q = chunk.indexOf(QUOTE, pos);
    while (q >= 0) {
      if ((q > 0 && chunk[q - 1] !== BACKSLASH) || !isEscaped(chunks, ci, q)) return base + q + 1;
      q = chunk.indexOf(QUOTE, q + 1);
    }
    base += chunk.length;
    pos = 0;
  }
  return -1;
}

/**
 * A quote is escaped iff an odd run of backslashes precedes it. The run may start in earlier chunks; it
 * always stops at the string's opening quote at the latest, and each run is walked once, so this stays O(n).
 */
function isEscaped(chunks: readonly Uint8Array[], ci: number, q: number): boolean {
  let count = 0;
  let chunk = chunks[ci]!;
  let k = q - 1;
  for (;;) {
    while (k >= 0 && chunk[k] === BACKSLASH) {
      count++;
      k--;
    }
    if (k >= 0 || ci === 0) break;
    ci--;
    chunk = chunks[ci]!;
    k = chunk.length - 1;
  }
  return (count & 1) === 1;
}

/** Bytes [pos, pos + length) starting in chunk `ci`; a view when they lie in one chunk, a small copy otherwise. */
export function copyRange(
  chunks: readonly Uint8Array[],
  ci: number,
  pos: number,
  length: number,
): Uint8Array {
  const first = chunks[ci]!;
  if (pos + length <= first.length) return first.subarray(pos, pos + length);
  const out = new Uint8Array(length);
  let written = 0;
  while (written < length) {
    const chunk = chunks[ci]!;
    const take = Math.min(chunk.length - pos, length - written);
    out.set(chunk.subarray(pos, pos + take), written);
    written += take;
    ci++;
    pos = 0;
  }
  return out;
}

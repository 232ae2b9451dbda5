import {
  COLON,
  COMMA,
  copyRange,
  findStringEnd,
  isWhitespace,
  LBRACE,
  LBRACKET,
  QUOTE,
  RBRACE,
  RBRACKET,
} from './json-bytes.ts';

/** Absolute byte offsets over the concatenated chunks: [start, end) is the whole JSON value. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** Where the prompt and the end user's id of a raw request body are. */
export interface PromptScan {
  /**
   * The top-level `messages` value (chat), else `prompt` (completions), else `input` (responses,
   * embeddings): the part of the body an engine's prefix cache sees, in order. Null when absent.
   */
  readonly prompt: ByteRange | null;
  /** The top-level `user` value when it is a string (its quoted token), else null. */
  readonly user: ByteRange | null;
}

const NONE: PromptScan = { prompt: null, user: null };

/** Keys whose values are wanted, by their unescaped spelling (escaped key names are not looked for). */
const KEYS = ['messages', 'prompt', 'input', 'user'] as const;
type Key = 0 | 1 | 2 | 3;
const NO_KEY = -1;
const USER = 3;
const KEY_TOKENS = KEYS.map((key) => new TextEncoder().encode(`"${key}"`));
const LONGEST_KEY = Math.max(...KEY_TOKENS.map((token) => token.length));

/**
 * Find the prompt of a raw JSON request body the way scanModel finds `model`: one pass over the bytes,
 * strings skipped with the chunk's own indexOf, nothing parsed or joined. With duplicate keys the last
 * wins (as the engine's JSON parser sees it). A body this cannot follow yields nulls: routing then goes by
 * load alone, and the request is forwarded as it is.
 */
export function scanPrompt(chunks: readonly Uint8Array[]): PromptScan {
  const found: (ByteRange | null)[] = [null, null, null, null];
  const n = chunks.length;
  let ci = 0;
  let base = 0;
  let i = 0;
  let depth = 0;
  let opened = false;
  let keyNext = false;
  let key: Key | typeof NO_KEY = NO_KEY;
  let valueFor: Key | typeof NO_KEY = NO_KEY;
  let container: Key | typeof NO_KEY = NO_KEY;
  let containerStart = 0;

  outer: while (ci < n) {
    const chunk = chunks[ci]!;
    const len = chunk.length;
    while (i < len) {
      const b = chunk[i];
      if (b === QUOTE) {
        if (depth === 0) return NONE;
        const start = base + i;
        const end = findStringEnd(chunks, ci, i + 1, base);
        if (end < 0) return NONE;
        if (depth === 1) {
          if (valueFor !== NO_KEY) {
            found[valueFor] = { start, end };
            valueFor = NO_KEY;
          } else if (keyNext) {
            keyNext = false;
            key = keyOf(chunks, ci, i, end - start);
          }
        }
        if (end < base + len) {
          i = end - base;
          continue;
        }
        while (ci < n && base + chunks[ci]!.length <= end) {
          base += chunks[ci]!.length;
          ci++;
        }
        i = end - base;
        continue outer;
      }
      if (b === LBRACE || b === LBRACKET) {
        if (depth === 0) {
          if (b !== LBRACE || opened) return NONE;
          opened = true;
          keyNext = true;
        } else if (depth === 1 && valueFor !== NO_KEY) {
          container = valueFor;
          containerStart = base + i;
          valueFor = NO_KEY;
        }
        depth++;
      } else if (b === RBRACE || b === RBRACKET) {
        if (depth === 0) return NONE;
        depth--;
        if (depth === 1 && container !== NO_KEY) {
          // `user` is an id only as a string.
          found[container] = container === USER ? null : { start: containerStart, end: base + i + 1 };
          container = NO_KEY;
        }
      } else if (depth === 1) {
        if (b === COLON) {
          valueFor = key;
          key = NO_KEY;
        } else if (b === COMMA) {
          keyNext = true;
        } else if (valueFor !== NO_KEY && !isWhitespace(b)) {
          // A number, true, false or null: not a prompt; clears an earlier one, as the last key wins.
          found[valueFor] = null;
          valueFor = NO_KEY;
        }
      }
      i++;
    }
    base += len;
    ci++;
    i = 0;
  }
  if (!opened || depth !== 0) return NONE;
  const user = found[USER] ?? null;
  return { prompt: found[0] ?? found[1] ?? found[2] ?? null, user };
}

function keyOf(chunks: readonly Uint8Array[], ci: number, pos: number, length: number): Key | typeof NO_KEY {
  if (length > LONGEST_KEY) return NO_KEY;
  const token = copyRange(chunks, ci, pos, length);
  for (let k = 0; k < KEY_TOKENS.length; k++) {
    const expected = KEY_TOKENS[k]!;
    if (expected.length !== length) continue;
    let same = true;
    for (let j = 0; j < length && same; j++) same = token[j] === expected[j];
    if (same) return k as Key;
  }
  return NO_KEY;
}

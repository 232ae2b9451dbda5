import {
  BACKSLASH,
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

/**
 * Where the top-level `model` of a raw JSON request body is.
 * `start`/`end` are absolute byte offsets over the concatenated chunks: `start` is the opening quote of the
 * value string, `end` is just after its closing quote (so [start, end) is the whole string token).
 */
export type ModelScan =
  | { kind: 'found'; model: string; start: number; end: number }
  | { kind: 'missing' }
  | { kind: 'invalid' };

const INVALID: ModelScan = { kind: 'invalid' };
const MISSING: ModelScan = { kind: 'missing' };

/** `"model"` with quotes: the only spelling that needs no decoding. */
const MODEL_TOKEN = new TextEncoder().encode('"model"');
/** Longest raw key token that can decode to `model`: five `\uXXXX` escapes plus the quotes. */
const MAX_ESCAPED_MODEL_TOKEN = 5 * 6 + 2;

// Fatal, because a body that is not UTF-8 is not JSON either; the client gets a 400 instead of a mangled name.
// ignoreBOM is spelled out because the Workers type definitions require it (its default is false anyway).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

// What the last top-level `model` key held: the last one wins, as in JSON.parse and the Python upstreams.
const VALUE_NONE = 0;
const VALUE_STRING = 1;
const VALUE_OTHER = 2;

/**
 * Find the top-level `model` string without JSON.parse and without joining the chunks (SPEC §3: a 10 MB
 * body must stay one copy). Long strings are skipped with the chunk's own `indexOf('"')`: on Node the
 * socket's chunks are Buffers, whose indexOf is memchr (~0.013 ms/MB); a plain Uint8Array's is V8's scalar
 * loop (~0.3 ms/MB), still several times cheaper than JSON.parse. This is not a validator: it only rejects
 * bodies that are not an object or are truncated.
 */
export function scanModel(chunks: readonly Uint8Array[]): ModelScan {
  const n = chunks.length;
  let ci = 0;
  let base = 0;
  let i = 0;
  let depth = 0;
  let opened = false;
  let keyNext = false;
  let keyIsModel = false;
  let modelValueNext = false;
  let modelKind: number = VALUE_NONE;
  let modelStart = 0;
  let modelEnd = 0;
  let modelChunk = 0;
  let modelPos = 0;

  outer: while (ci < n) {
    const chunk = chunks[ci]!;
    const len = chunk.length;
    while (i < len) {
      const b = chunk[i];
      if (b === QUOTE) {
        if (depth === 0) return INVALID;
        const start = base + i;
        const end = findStringEnd(chunks, ci, i + 1, base);
        if (end < 0) return INVALID;
        if (depth === 1) {
          if (modelValueNext) {
            modelValueNext = false;
            modelKind = VALUE_STRING;
            modelStart = start;
            modelEnd = end;
            modelChunk = ci;
            modelPos = i;
          } else if (keyNext) {
            keyNext = false;
            keyIsModel = isModelKey(chunks, ci, i, end - start);
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
          if (b !== LBRACE || opened) return INVALID;
          opened = true;
          keyNext = true;
        } else if (depth === 1 && modelValueNext) {
          modelValueNext = false;
          modelKind = VALUE_OTHER;
        }
        depth++;
      } else if (b === RBRACE || b === RBRACKET) {
        if (depth === 0) return INVALID;
        depth--;
      } else if (depth === 1) {
        if (b === COLON) {
          modelValueNext = keyIsModel;
          keyIsModel = false;
        } else if (b === COMMA) {
          keyNext = true;
        } else if (modelValueNext && !isWhitespace(b)) {
          modelValueNext = false;
          modelKind = VALUE_OTHER;
        }
      } else if (depth === 0 && !isWhitespace(b)) {
        return INVALID;
      }
      i++;
    }
    base += len;
    ci++;
    i = 0;
  }

  if (!opened || depth !== 0) return INVALID;
  if (modelKind !== VALUE_STRING) return MISSING;
  const token = copyRange(chunks, modelChunk, modelPos, modelEnd - modelStart);
  let model: unknown;
  try {
    model = JSON.parse(utf8.decode(token));
  } catch {
    return INVALID;
  }
  if (typeof model !== 'string') return INVALID;
  if (model === '') return MISSING;
  return { kind: 'found', model, start: modelStart, end: modelEnd };
}

/** Keys compare after decoding, so `"mod\u0065l"` is `model` as far as the upstream's JSON parser knows. */
function isModelKey(chunks: readonly Uint8Array[], ci: number, pos: number, length: number): boolean {
  if (length < MODEL_TOKEN.length || length > MAX_ESCAPED_MODEL_TOKEN) return false;
  const token = copyRange(chunks, ci, pos, length);
  if (length === MODEL_TOKEN.length) {
    for (let k = 0; k < length; k++) if (token[k] !== MODEL_TOKEN[k]) return false;
    return true;
  }
  if (token.indexOf(BACKSLASH) < 0) return false;
  try {
    return JSON.parse(utf8.decode(token)) === 'model';
  } catch {
    return false;
  }
}

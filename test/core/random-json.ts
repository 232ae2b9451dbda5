/** Seeded generator of awkward-but-valid JSON request bodies for the body-scan property tests. */

export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Rng {
  readonly #next: () => number;
  constructor(seed: number) {
    this.#next = mulberry32(seed);
  }
  float(): number {
    return this.#next();
  }
  int(n: number): number {
    return Math.floor(this.#next() * n);
  }
  chance(p: number): boolean {
    return this.#next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

const WHITESPACE = ['', '', '', ' ', '  ', '\t', '\n', '\r\n', '\n\t\t', ' \n '];
const PIECES = [
  'a',
  'Qwen3-8B',
  'gpt-4o',
  'meta-llama/Llama-3.1-8B',
  '"',
  '\\',
  '\\"',
  '"\\',
  '/',
  '\n',
  '\t',
  '\r',
  '\b',
  '\f',
  '\u0001',
  'é',
  'ñ',
  '中文',
  '😀',
  '👍🏽',
  '\u2028',
  'model',
  '"model"',
  '{',
  '}',
  '[',
  ']',
  ':',
  ',',
  ' ',
];
const NUMBERS = ['0', '-1', '42', '3.14', '1e10', '-2.5E-3', '12345678901234567890', '0.000001', '6.02e+23'];
const SHORT_ESCAPES: Record<string, string> = {
  '\n': '\\n',
  '\t': '\\t',
  '\r': '\\r',
  '\b': '\\b',
  '\f': '\\f',
};
const NEAR_MISS_KEYS = [
  'Model',
  'models',
  'mode',
  'model ',
  ' model',
  'modeł',
  'model\u0000',
  'MODEL',
  'odel',
];

export class JsonWriter {
  readonly rng: Rng;
  constructor(rng: Rng) {
    this.rng = rng;
  }

  ws(): string {
    return this.rng.pick(WHITESPACE);
  }

  text(maxPieces = 6): string {
    let s = '';
    const n = this.rng.int(maxPieces + 1);
    for (let k = 0; k < n; k++) s += this.rng.pick(PIECES);
    return s;
  }

  /** A JSON string token for `s`, escaping at random (escapeRate applies to characters that need none). */
  string(s: string, escapeRate = 0.1): string {
    let out = '"';
    for (const ch of s) {
      const cp = ch.codePointAt(0)!;
      if (ch === '"') out += '\\"';
      else if (ch === '\\') out += '\\\\';
      else if (ch === '/' && this.rng.chance(0.5)) out += '\\/';
      else if (cp < 0x20)
        out += SHORT_ESCAPES[ch] !== undefined && this.rng.chance(0.6) ? SHORT_ESCAPES[ch] : hex(cp);
      else if (this.rng.chance(escapeRate)) {
        if (cp > 0xffff) {
          const v = cp - 0x10000;
          out += this.caseMix(hex(0xd800 + (v >> 10))) + this.caseMix(hex(0xdc00 + (v & 0x3ff)));
        } else out += this.caseMix(hex(cp));
      } else out += ch;
    }
    return out + '"';
  }

  caseMix(token: string): string {
    return this.rng.chance(0.5) ? token.toUpperCase().replace('\\U', '\\u') : token;
  }

  value(depth: number): string {
    const r = this.rng.int(depth > 3 ? 5 : 8);
    switch (r) {
      case 0:
        return this.string(this.text());
      case 1:
        return this.rng.pick(NUMBERS);
      case 2:
        return this.rng.pick(['true', 'false', 'null']);
      case 3:
        return this.string(this.text(12), 0.3);
      case 4:
        return this.string('');
      case 5:
      case 6:
        return this.object(depth + 1);
      default:
        return this.array(depth + 1);
    }
  }

  key(): string {
    // Nested `model` keys must never be mistaken for the top-level one.
    return this.rng.chance(0.25) ? this.string('model', 0.3) : this.string(this.text(3));
  }

  object(depth: number): string {
    const n = this.rng.int(5);
    const parts: string[] = [];
    for (let k = 0; k < n; k++)
      parts.push(`${this.ws()}${this.key()}${this.ws()}:${this.ws()}${this.value(depth)}${this.ws()}`);
    return n === 0 ? `{${this.ws()}}` : `{${parts.join(',')}}`;
  }

  array(depth: number): string {
    const n = this.rng.int(5);
    const parts: string[] = [];
    for (let k = 0; k < n; k++) parts.push(`${this.ws()}${this.value(depth)}${this.ws()}`);
    return n === 0 ? `[${this.ws()}]` : `[${parts.join(',')}]`;
  }

  messages(): string {
    const n = 1 + this.rng.int(3);
    const items: string[] = [];
    for (let k = 0; k < n; k++) {
      const fields = [
        `"role":${this.ws()}${this.string(this.rng.pick(['user', 'assistant', 'system']))}`,
        `"content":${this.ws()}${this.string(this.text(10), 0.2)}`,
      ];
      if (this.rng.chance(0.5))
        fields.push(`${this.string('model', 0.3)}:${this.ws()}${this.string(this.text(3))}`);
      if (this.rng.chance(0.3)) fields.push(`"meta":${this.object(3)}`);
      items.push(`${this.ws()}{${fields.join(`,${this.ws()}`)}}${this.ws()}`);
    }
    return `[${items.join(',')}]`;
  }

  modelValue(): string {
    switch (this.rng.int(10)) {
      case 0:
        return 'null';
      case 1:
        return this.rng.pick(NUMBERS);
      case 2:
        return this.string('');
      case 3:
        return this.object(2);
      case 4:
        return this.array(2);
      case 5:
        return this.rng.pick(['true', 'false']);
      default: {
        const name = this.rng.pick([
          'Qwen3-8B',
          'gpt-4o-mini',
          'meta-llama/Llama-3.1-8B',
          'a',
          'modèle-中',
          '😀x',
        ]);
        return this.string(this.rng.chance(0.3) ? name + this.text(3) : name, this.rng.chance(0.3) ? 0.5 : 0);
      }
    }
  }

  modelKey(): string {
    const r = this.rng.int(10);
    if (r < 6) return '"model"';
    if (r < 9) return this.string('model', 0.6);
    return this.string(this.rng.pick(NEAR_MISS_KEYS), 0.3);
  }

  /** A top-level request object with 0–3 (possibly duplicated, possibly escaped) `model` keys. */
  document(): string {
    const pairs: string[] = [];
    const others = this.rng.int(6);
    for (let k = 0; k < others; k++) {
      const r = this.rng.int(6);
      if (r === 0) pairs.push(`"messages":${this.ws()}${this.messages()}`);
      else if (r === 1) pairs.push(`"temperature":${this.ws()}${this.rng.pick(NUMBERS)}`);
      else if (r === 2) pairs.push(`"stream":${this.ws()}${this.rng.pick(['true', 'false'])}`);
      else pairs.push(`${this.key()}${this.ws()}:${this.ws()}${this.value(1)}`);
    }
    const models = this.rng.pick([0, 1, 1, 1, 1, 2, 3]);
    for (let k = 0; k < models; k++) {
      const at = this.rng.int(pairs.length + 1);
      pairs.splice(at, 0, `${this.modelKey()}${this.ws()}:${this.ws()}${this.modelValue()}`);
    }
    const body = pairs.map((p) => `${this.ws()}${p}${this.ws()}`).join(',');
    return `${this.ws()}{${body.length === 0 ? this.ws() : body}}${this.ws()}`;
  }
}

function hex(cp: number): string {
  return `\\u${cp.toString(16).padStart(4, '0')}`;
}

/** Split `bytes` into chunks the way a socket might, including 1-byte chunks, empty chunks and cuts inside escapes. */
export function splitChunks(rng: Rng, bytes: Uint8Array): Uint8Array[] {
  const cuts = new Set<number>();
  const mode = rng.int(10);
  if (mode === 0 && bytes.length <= 400) {
    for (let k = 1; k < bytes.length; k++) cuts.add(k);
  } else if (mode <= 2) {
    // Cut right after backslashes, so escapes and backslash runs straddle chunk boundaries.
    const slashes: number[] = [];
    for (let k = 0; k < bytes.length; k++) if (bytes[k] === 0x5c) slashes.push(k);
    const n = rng.int(8);
    for (let k = 0; k < n && slashes.length > 0; k++) {
      const at = rng.pick(slashes) + 1 + rng.int(3);
      if (at > 0 && at < bytes.length) cuts.add(at);
    }
  } else {
    const n = rng.int(8);
    for (let k = 0; k < n; k++) cuts.add(1 + rng.int(Math.max(1, bytes.length - 1)));
  }
  const sorted = [...cuts].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let prev = 0;
  for (const cut of sorted) {
    chunks.push(bytes.subarray(prev, cut));
    if (rng.chance(0.05)) chunks.push(new Uint8Array(0));
    prev = cut;
  }
  chunks.push(bytes.subarray(prev));
  return chunks;
}

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const c of chunks) size += c.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

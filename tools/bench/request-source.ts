import type { Random } from '../../src/index.ts';
import type { RequestShape } from './bench-config.ts';
import type { JsonObject } from './dataset.ts';
import { sampleIntRange } from './int-range.ts';

/** One request ready to send: the path under the target's base URL and the body bytes. */
export interface PreparedRequest {
  readonly path: string;
  readonly body: Buffer;
  /** Prompt length estimate (about four characters per token), used when the server reports no usage. */
  readonly promptTokens: number;
}

const WORDS = (
  'the of and to in is was for on that with as by at from his her an be this which have are or had not ' +
  'but one all were they their there been has when who will more no if out so said what up its about ' +
  'into than them can only other new some could time these two may then do first any my now such like'
).split(' ');

/** Characters per token in the estimate (the simulated engines count prompts the same way). */
const CHARS_PER_TOKEN = 4;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/**
 * A prompt of about `tokens` tokens. It starts with a number unique to the request, so an engine's
 * prefix cache cannot answer every synthetic prompt from the first one's KV blocks.
 */
export function syntheticPrompt(tokens: number, unique: number, random: Random): string {
  const target = tokens * CHARS_PER_TOKEN;
  let text = `${unique} `;
  let word = Math.floor(random() * WORDS.length);
  while (text.length < target) {
    text += `${WORDS[word % WORDS.length]} `;
    word += 1 + Math.floor(random() * 7);
  }
  return text.slice(0, Math.max(1, target));
}

function textOf(body: JsonObject): string {
  if (typeof body.prompt === 'string') return body.prompt;
  const messages = Array.isArray(body.messages) ? body.messages : [];
  return messages
    .map((message: unknown) => {
      const content = (message as { content?: unknown } | null)?.content;
      if (typeof content === 'string') return content;
      if (Array.isArray(content))
        return content.map((part) => (typeof part?.text === 'string' ? part.text : '')).join('');
      return '';
    })
    .join('');
}

/**
 * Produces request bodies for one target: synthetic prompts of `--prompt-tokens` length, or the lines
 * of a dataset (in turn, or sampled when `sample` is set). `stream_options.include_usage` is asked for
 * on streams so the server's own token counts end up in the report.
 */
export class RequestSource {
  readonly #shape: RequestShape;
  readonly #model: string;
  readonly #path: string;
  readonly #dataset: readonly JsonObject[] | null;
  readonly #sample: boolean;
  readonly #random: Random;
  /** Bodies that never change (dataset lines with a fixed or absent max_tokens), built once. */
  readonly #fixed: (PreparedRequest | undefined)[] = [];
  #next = 0;

  constructor(options: {
    shape: RequestShape;
    model: string;
    /** The target's path prefix (usually empty), before `/v1/...`. */
    pathPrefix: string;
    dataset: readonly JsonObject[] | null;
    sample: boolean;
    random: Random;
    /** Where this worker starts in the dataset, so workers do not all send line 1 first. */
    offset: number;
  }) {
    this.#shape = options.shape;
    this.#model = options.model;
    this.#path = `${options.pathPrefix}/v1/${options.shape.endpoint === 'chat' ? 'chat/completions' : 'completions'}`;
    this.#dataset = options.dataset;
    this.#sample = options.sample;
    this.#random = options.random;
    this.#next = options.offset;
  }

  next(): PreparedRequest {
    const unique = this.#next++;
    const dataset = this.#dataset;
    if (dataset) {
      const index = this.#sample ? Math.floor(this.#random() * dataset.length) : unique % dataset.length;
      const fixedLength =
        this.#shape.maxTokens === null || this.#shape.maxTokens.min === this.#shape.maxTokens.max;
      const cached = fixedLength ? this.#fixed[index] : undefined;
      if (cached) return cached;
      const line = dataset[index]!;
      const prepared = this.#prepare({ ...line }, estimateTokens(textOf(line)));
      if (fixedLength) this.#fixed[index] = prepared;
      return prepared;
    }
    const tokens = Math.max(1, sampleIntRange(this.#shape.promptTokens, this.#random));
    const prompt = syntheticPrompt(tokens, unique, this.#random);
    const body: JsonObject =
      this.#shape.endpoint === 'chat' ? { messages: [{ role: 'user', content: prompt }] } : { prompt };
    return this.#prepare(body, estimateTokens(prompt));
  }

  /** A one-token request of the same shape, to warm the client and the connection before measuring. */
  primer(): PreparedRequest {
    const body: JsonObject =
      this.#shape.endpoint === 'chat' ? { messages: [{ role: 'user', content: 'hi' }] } : { prompt: 'hi' };
    return this.#prepare(body, 1, 1);
  }

  #prepare(body: JsonObject, promptTokens: number, maxTokens?: number): PreparedRequest {
    // Assigning an existing key keeps its position: a dataset's `model` after a large image stays there.
    body.model = this.#model;
    if (maxTokens !== undefined) body.max_tokens = maxTokens;
    else if (this.#shape.maxTokens) body.max_tokens = sampleIntRange(this.#shape.maxTokens, this.#random);
    body.stream = this.#shape.stream;
    if (this.#shape.stream) body.stream_options = { include_usage: true };
    else delete body.stream_options;
    return { path: this.#path, body: Buffer.from(JSON.stringify(body)), promptTokens };
  }
}

import type { SimEngineKind } from './sim-options.ts';

/** Fixed `created` for `/v1/models`, so two scrapes of the same fleet compare equal. */
export const MODELS_CREATED = 1_700_000_000;

const LOREM = (
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et ' +
  'dolore magna aliqua ut enim ad minim veniam quis nostrud exercitation ullamco laboris nisi ut aliquip ex ' +
  'ea commodo consequat duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu ' +
  'fugiat nulla pariatur excepteur sint occaecat cupidatat non proident sunt in culpa qui officia deserunt'
).split(' ');

/** Token `i` of every generation: a word plus a space, so streamed deltas concatenate into readable text. */
export function tokenText(index: number): string {
  return `${LOREM[index % LOREM.length]} `;
}

/** JSON string literals of the tokens, computed once so streaming never calls JSON.stringify per token. */
const TOKEN_JSON: readonly string[] = LOREM.map((word) => JSON.stringify(`${word} `));

export function tokenJson(index: number): string {
  return TOKEN_JSON[index % TOKEN_JSON.length] ?? '""';
}

export function generatedText(tokens: number): string {
  let text = '';
  for (let i = 0; i < tokens; i++) text += tokenText(i);
  return text;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export function usage(promptTokens: number, completionTokens: number): Usage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

export function modelsBody(models: readonly string[], engine: SimEngineKind): string {
  const data = models.map((id) => ({ id, object: 'model', created: MODELS_CREATED, owned_by: engine }));
  return JSON.stringify({ object: 'list', data });
}

/** OpenAI error envelope as vLLM emits it (`code` is the HTTP status). */
export function errorBody(
  message: string,
  type: string,
  status: number,
  param: string | null = null,
): string {
  return JSON.stringify({ error: { message, type, param, code: status } });
}

export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
  promptTokens: number;
  completionTokens: number;
  finishReason: 'length' | 'stop';
}

export function chatCompletionBody(m: CompletionMeta): string {
  return JSON.stringify({
    id: m.id,
    object: 'chat.completion',
    created: m.created,
    model: m.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: generatedText(m.completionTokens), tool_calls: [] },
        logprobs: null,
        finish_reason: m.finishReason,
        stop_reason: null,
      },
    ],
    usage: usage(m.promptTokens, m.completionTokens),
  });
}

export function textCompletionBody(m: CompletionMeta): string {
  return JSON.stringify({
    id: m.id,
    object: 'text_completion',
    created: m.created,
    model: m.model,
    choices: [
      {
        index: 0,
        text: generatedText(m.completionTokens),
        logprobs: null,
        finish_reason: m.finishReason,
        stop_reason: null,
      },
    ],
    usage: usage(m.promptTokens, m.completionTokens),
  });
}

export function embeddingsBody(
  model: string,
  inputs: readonly string[],
  dim: number,
  tokens: number,
): string {
  const data = inputs.map((text, index) => ({
    object: 'embedding',
    index,
    embedding: embedVector(text, dim),
  }));
  return JSON.stringify({
    object: 'list',
    data,
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

/** Deterministic unit vector: FNV-1a of the text seeds an xorshift generator, so equal inputs embed equally. */
export function embedVector(text: string, dim: number): number[] {
  let seed = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    seed ^= text.charCodeAt(i);
    seed = Math.imul(seed, 0x01000193) >>> 0;
  }
  let state = seed || 1;
  const vector: number[] = [];
  let norm = 0;
  for (let i = 0; i < dim; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    const value = state / 0xffffffff - 0.5;
    vector.push(value);
    norm += value * value;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  return vector.map((v) => Math.round(v * scale * 1e6) / 1e6);
}

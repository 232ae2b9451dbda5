import { promptBlocks } from './sim-prefix-cache.ts';

/** The three inference routes the sim serves. */
export type InferenceKind = 'chat' | 'completion' | 'embedding';

export interface InferenceRequest {
  kind: InferenceKind;
  /** Empty when the body names no model; the caller then uses the first served model, like vLLM. */
  model: string;
  promptTokens: number;
  maxTokens: number;
  /** True when the client set a limit: generation then ends with `length`, otherwise with `stop`. */
  explicitMax: boolean;
  stream: boolean;
  includeUsage: boolean;
  /** Embedding inputs, one string per vector. */
  inputs: string[];
  /** Chained block hashes of the prompt text, for the prefix cache (empty unless asked for). */
  blocks: number[];
}

export type ParseResult =
  | { ok: true; request: InferenceRequest }
  | { ok: false; status: 400; message: string; param: string | null };

type JsonObject = Record<string, unknown>;

/** Rough tokenizer stand-in: about four characters per token, which is what routers estimate with too. */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

/**
 * Parses and validates an inference body; the sim may JSON.parse (the router must not). `withBlocks`
 * hashes the prompt's text for the prefix cache (sim-prefix-cache.ts).
 */
export function parseInference(
  kind: InferenceKind,
  raw: string,
  defaultMaxTokens: number,
  withBlocks = false,
): ParseResult {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return fail('Invalid JSON body.', null);
  }
  if (!isObject(body)) return fail('The request body must be a JSON object.', null);
  if (body.model !== undefined && typeof body.model !== 'string')
    return fail('`model` must be a string.', 'model');
  const base = {
    kind,
    model: typeof body.model === 'string' ? body.model : '',
    stream: body.stream === true,
    includeUsage: isObject(body.stream_options) && body.stream_options.include_usage === true,
  };
  if (kind === 'embedding') {
    const inputs = embeddingInputs(body.input);
    if (!inputs) return fail('`input` must be a string, an array of strings or token arrays.', 'input');
    const promptTokens = inputs.reduce((sum, text) => sum + Math.max(1, estimateTokens(text.length)), 0);
    return ok({ ...base, stream: false, promptTokens, maxTokens: 0, explicitMax: false, inputs, blocks: [] });
  }
  const promptChars = kind === 'chat' ? chatChars(body.messages) : promptCharsOf(body.prompt);
  if (promptChars === null) {
    return kind === 'chat'
      ? fail('`messages` must be a non-empty array.', 'messages')
      : fail('`prompt` must be a string, an array of strings or token arrays.', 'prompt');
  }
  const limit = body.max_completion_tokens ?? body.max_tokens;
  if (limit !== undefined && limit !== null && !(Number.isInteger(limit) && (limit as number) >= 0)) {
    return fail('`max_tokens` must be a non-negative integer.', 'max_tokens');
  }
  const explicitMax = typeof limit === 'number';
  // At least one token: an engine always produces something before it can report a finish reason.
  const maxTokens = Math.max(1, typeof limit === 'number' ? limit : defaultMaxTokens);
  const promptTokens = Math.max(1, estimateTokens(promptChars));
  const blocks = withBlocks ? promptBlocks(promptTextOf(kind === 'chat' ? body.messages : body.prompt)) : [];
  return ok({ ...base, promptTokens, maxTokens, explicitMax, inputs: [], blocks });
}

function ok(request: InferenceRequest): ParseResult {
  return { ok: true, request };
}

function fail(message: string, param: string | null): ParseResult {
  return { ok: false, status: 400, message, param };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Counts characters of every message's content: a string or an array of `{type:'text', text}` parts. */
function chatChars(messages: unknown): number | null {
  if (!Array.isArray(messages) || messages.length === 0) return null;
  let chars = 0;
  for (const message of messages) {
    if (!isObject(message)) return null;
    const content = message.content;
    if (typeof content === 'string') chars += content.length;
    else if (Array.isArray(content)) {
      for (const part of content) {
        if (isObject(part) && typeof part.text === 'string') chars += part.text.length;
      }
    }
  }
  return chars;
}

/**
 * The text an engine would tokenize, in order: each message's role and content (text parts, image URLs as
 * they are, so one image hashes the same every time), or the completion prompt.
 */
function promptTextOf(prompt: unknown): string {
  if (typeof prompt === 'string') return prompt;
  if (!Array.isArray(prompt)) return '';
  let text = '';
  for (const item of prompt) {
    if (typeof item === 'string') text += item;
    else if (isObject(item)) {
      text += `${String(item.role)}\n`;
      const content = item.content;
      if (typeof content === 'string') text += content;
      else if (Array.isArray(content)) {
        for (const part of content) {
          if (!isObject(part)) continue;
          if (typeof part.text === 'string') text += part.text;
          else if (isObject(part.image_url) && typeof part.image_url.url === 'string')
            text += part.image_url.url;
        }
      }
      text += '\n';
    } else text += JSON.stringify(item);
  }
  return text;
}

function promptCharsOf(prompt: unknown): number | null {
  if (typeof prompt === 'string') return prompt.length;
  if (!Array.isArray(prompt) || prompt.length === 0) return null;
  let chars = 0;
  for (const item of prompt) {
    if (typeof item === 'string') chars += item.length;
    // Token ids: one id is one token, i.e. four "characters" in this estimate.
    else if (typeof item === 'number') chars += 4;
    else if (Array.isArray(item)) chars += item.length * 4;
    else return null;
  }
  return chars;
}

function embeddingInputs(input: unknown): string[] | null {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input) || input.length === 0) return null;
  if (input.every((item) => typeof item === 'number')) return [JSON.stringify(input)];
  const out: string[] = [];
  for (const item of input) {
    if (typeof item === 'string') out.push(item);
    else if (Array.isArray(item)) out.push(JSON.stringify(item));
    else return null;
  }
  return out;
}

import { readFile } from 'node:fs/promises';
import type { Endpoint } from './bench-config.ts';

export type JsonObject = Record<string, unknown>;

/** A dataset that cannot be used; the message names the file and line. */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads a JSONL dataset: one request body per line (blank lines skipped). Chat lines need a non-empty
 * `messages` array, completion lines a `prompt`. Every bad line is reported, not just the first.
 */
export async function readDataset(path: string, endpoint: Endpoint): Promise<JsonObject[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new DatasetError(`cannot read dataset ${path}: ${(error as Error).message}`);
  }
  const bodies: JsonObject[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let body: unknown;
    try {
      body = JSON.parse(line);
    } catch {
      problems.push(`${path}:${i + 1}: not valid JSON`);
      return;
    }
    if (!isObject(body)) problems.push(`${path}:${i + 1}: not a JSON object`);
    else if (endpoint === 'chat' && !(Array.isArray(body.messages) && body.messages.length > 0))
      problems.push(`${path}:${i + 1}: a chat request body needs a non-empty "messages" array`);
    else if (endpoint === 'completions' && body.prompt === undefined)
      problems.push(`${path}:${i + 1}: a completions request body needs a "prompt"`);
    else bodies.push(body);
  });
  if (problems.length > 0) {
    const more = problems.length > 5 ? `\n(and ${problems.length - 5} more)` : '';
    throw new DatasetError(`${problems.slice(0, 5).join('\n')}${more}`);
  }
  if (bodies.length === 0) throw new DatasetError(`dataset ${path} has no request lines`);
  return bodies;
}

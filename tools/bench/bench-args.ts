import { allValues, FlagError, flagOn, type ParsedFlags, parseFlags } from '../cli/index.ts';
import type { BenchConfig, IntRange, LoadShape } from './bench-config.ts';
import { parseIntRange } from './int-range.ts';
import { targetBase } from './target-url.ts';

export const BENCH_FLAG_NAMES = [
  'url',
  'model',
  'concurrency',
  'rate',
  'arrival',
  'requests',
  'duration',
  'ramp-up',
  'warmup',
  'stream',
  'endpoint',
  'max-tokens',
  'prompt-tokens',
  'dataset',
  'seed',
  'api-key',
  'header',
  'workers',
  'timeout',
  'output',
  'label',
  'direct',
  'direct-model',
  'phases',
  'quiet',
  'help',
] as const;

const BOOLEANS = ['stream', 'quiet', 'help'];

export type ParsedBenchArgs =
  | { readonly ok: true; readonly help: true }
  | { readonly ok: true; readonly help: false; readonly config: BenchConfig }
  | { readonly ok: false; readonly error: string };

/** Streams one worker process holds by default, and open-loop requests per second. */
const STREAMS_PER_WORKER = 2500;
const RATE_PER_WORKER = 1000;
const MAX_WORKERS = 64;

function number(flags: ParsedFlags, name: string, check: (n: number) => boolean, wording: string) {
  const text = flags.flags.get(name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || !check(value))
    throw new FlagError(`--${name} must be ${wording} (got "${text}")`);
  return value;
}

const positiveInt = (n: number) => Number.isInteger(n) && n > 0;
const positive = (n: number) => n > 0;
const nonNegative = (n: number) => n >= 0;

function range(flags: ParsedFlags, name: string): IntRange | undefined {
  const text = flags.flags.get(name);
  if (text === undefined) return undefined;
  const parsed = parseIntRange(text);
  if (!parsed || parsed.max === 0)
    throw new FlagError(`--${name} must be N or MIN:MAX with MIN <= MAX, e.g. 128 or 64:512 (got "${text}")`);
  return parsed;
}

function header(text: string): [string, string] {
  const colon = text.indexOf(':');
  const name = colon > 0 ? text.slice(0, colon).trim() : '';
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name))
    throw new FlagError(`--header must be "Name: value" (got "${text}")`);
  return [name, text.slice(colon + 1).trim()];
}

function url(text: string, flag: string): string {
  try {
    return targetBase(text).url;
  } catch (error) {
    throw new FlagError(`--${flag}: ${(error as Error).message}`);
  }
}

function oneOf<T extends string>(flags: ParsedFlags, name: string, allowed: readonly T[], fallback: T): T {
  const text = flags.flags.get(name) ?? fallback;
  if (!(allowed as readonly string[]).includes(text))
    throw new FlagError(`--${name} must be ${allowed.join(' | ')} (got "${text}")`);
  return text as T;
}

function resolve(flags: ParsedFlags, randomSeed: () => number): BenchConfig {
  if (flags.positional.length > 0) throw new FlagError(`unexpected argument "${flags.positional[0]}"`);
  const rawUrl = flags.flags.get('url');
  const model = flags.flags.get('model');
  if (!rawUrl) throw new FlagError('--url is required (the server base, e.g. http://127.0.0.1:8000)');
  if (!model) throw new FlagError('--model is required');
  const concurrency = number(flags, 'concurrency', positiveInt, 'a positive integer');
  const rate = number(flags, 'rate', positive, 'a positive number');
  if (concurrency !== undefined && rate !== undefined)
    throw new FlagError('--concurrency (closed loop) and --rate (open loop) exclude each other');
  if (rate === undefined && flags.flags.has('arrival'))
    throw new FlagError('--arrival applies to an open loop: give --rate too');
  const load: LoadShape =
    rate !== undefined
      ? { kind: 'open', rate, arrival: oneOf(flags, 'arrival', ['poisson', 'constant'], 'poisson') }
      : { kind: 'closed', concurrency: concurrency ?? 10 };
  const requests = number(flags, 'requests', positiveInt, 'a positive integer') ?? null;
  const duration = number(flags, 'duration', positive, 'a positive number of seconds');
  const dataset = flags.flags.get('dataset') ?? null;
  if (dataset !== null && flags.flags.has('prompt-tokens'))
    throw new FlagError('--prompt-tokens and --dataset exclude each other (the dataset has the prompts)');
  const direct = flags.flags.get('direct');
  if (!direct && (flags.flags.has('direct-model') || flags.flags.has('phases')))
    throw new FlagError('--direct-model and --phases apply to A/B mode: give --direct URL too');
  const seedValue = number(flags, 'seed', (n) => Number.isSafeInteger(n), 'an integer');
  const defaultWorkers =
    load.kind === 'closed'
      ? Math.ceil(load.concurrency / STREAMS_PER_WORKER)
      : Math.ceil(load.rate / RATE_PER_WORKER);
  const workers = number(
    flags,
    'workers',
    (n) => positiveInt(n) && n <= MAX_WORKERS,
    `an integer in 1..${MAX_WORKERS}`,
  );
  const targetUrl = url(rawUrl, 'url');
  return {
    label:
      flags.flags.get('label') ??
      `${model} @ ${targetUrl}${direct ? ` vs direct ${url(direct, 'direct')}` : ''}`,
    target: { url: targetUrl, model },
    direct: direct ? { url: url(direct, 'direct'), model: flags.flags.get('direct-model') ?? model } : null,
    phases: number(flags, 'phases', positiveInt, 'a positive integer') ?? 3,
    load,
    request: {
      endpoint: oneOf(flags, 'endpoint', ['chat', 'completions'], 'chat'),
      stream: flagOn(flags, 'stream', true),
      maxTokens: range(flags, 'max-tokens') ?? (dataset === null ? { min: 128, max: 128 } : null),
      promptTokens: range(flags, 'prompt-tokens') ?? { min: 256, max: 256 },
      dataset,
      apiKey: flags.flags.get('api-key') ?? null,
      headers: allValues(flags, 'header').map(header),
      timeoutS: number(flags, 'timeout', positive, 'a positive number of seconds') ?? 600,
    },
    requests,
    durationS: duration ?? (requests === null ? 30 : null),
    rampUpS: number(flags, 'ramp-up', nonNegative, 'a number of seconds >= 0') ?? 0,
    warmupS: number(flags, 'warmup', nonNegative, 'a number of seconds >= 0') ?? 0,
    workers: workers ?? Math.min(MAX_WORKERS, Math.max(1, defaultWorkers)),
    seed: seedValue ?? randomSeed(),
    sampleDataset: seedValue !== undefined,
    output: flags.flags.get('output') ?? null,
    quiet: flagOn(flags, 'quiet'),
  };
}

/** `llm-router bench` flags → a validated run config (or the first mistake, naming its flag). */
export function parseBenchArgs(
  argv: readonly string[],
  randomSeed: () => number = () => Math.floor(Math.random() * 2 ** 31),
): ParsedBenchArgs {
  try {
    const flags = parseFlags(argv, {
      values: BENCH_FLAG_NAMES.filter((name) => !BOOLEANS.includes(name)),
      booleans: BOOLEANS,
      aliases: { h: 'help' },
    });
    if (flagOn(flags, 'help')) return { ok: true, help: true };
    return { ok: true, help: false, config: resolve(flags, randomSeed) };
  } catch (error) {
    if (error instanceof FlagError) return { ok: false, error: error.message };
    throw error;
  }
}

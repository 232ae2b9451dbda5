import { parseInference, type SimOptionsInput } from '../../tools/sim/index.ts';
import type { Arrival } from './arrivals.ts';
import { BASE_ENGINE, MODEL, type SimSpec, type Workload } from './fleet-spec.ts';
import { exponential, type Random, uniformInt } from './prng.ts';

/**
 * The shared-prefix scenario (issue 17): many groups of requests, each group sharing a long system prompt
 * (the same instructions over a whole dataset), a few groups much hotter than the rest (Zipf), each
 * request adding a short text of its own.
 */
export interface PrefixWorkload extends Workload {
  readonly groups: number;
  /** Zipf exponent over the groups: group k (0-based) has weight 1 / (k + 1)^zipf. */
  readonly zipf: number;
  /** Characters of each group's system prompt (the sim counts ~4 per token). */
  readonly prefixChars: number;
  /** Share of all requests that go to group 0 before the Zipf draw (the hot-prefix variant); 0: none. */
  readonly hotShare: number;
}

/** 8,000-token system prompts, 48 groups, a 25–100-token question each, 10–30 tokens out. */
export const SHARED_PREFIX_WORKLOAD: PrefixWorkload = {
  groups: 48,
  zipf: 1,
  prefixChars: 32_000,
  hotShare: 0,
  minPromptChars: 100,
  maxPromptChars: 400,
  minTokens: 10,
  maxTokens: 30,
};

/** The same with one prefix carrying 40 % of all requests: more than one engine can serve alone. */
export const HOT_PREFIX_WORKLOAD: PrefixWorkload = { ...SHARED_PREFIX_WORKLOAD, hotShare: 0.4 };

/** Tokens one engine's prefix cache holds: 8 of the 8,000-token prompts (the fleet: 32 of the 48). */
export const PREFIX_CACHE_TOKENS = 64_000;

const PREFIX_ENGINE: SimOptionsInput = { ...BASE_ENGINE, prefixCacheTokens: PREFIX_CACHE_TOKENS };

/** Four equal engines with automatic prefix caching (a homogeneous fleet). */
export function prefixFleet(): SimSpec[] {
  return ['apc-1', 'apc-2', 'apc-3', 'apc-4'].map((name) => ({
    name,
    options: { ...PREFIX_ENGINE },
    metrics: true,
  }));
}

/** Requests per second the fleet serves when every prefill misses (`miss`) or finds its prefix (`hit`). */
export function prefixCapacity(
  specs: readonly SimSpec[],
  workload: PrefixWorkload,
): { miss: number; hit: number } {
  let miss = 0;
  let hit = 0;
  for (const spec of specs) {
    const o = spec.options;
    const speed = o.speed ?? 1;
    const suffixTokens = (workload.minPromptChars + workload.maxPromptChars) / 2 / 4;
    const prefixTokens = workload.prefixChars / 4;
    const prefill = o.prefillMsPerToken ?? 0.02;
    const decode = (((workload.minTokens + workload.maxTokens) / 2 - 1) * 1000) / (o.tokensPerSecond ?? 40);
    const base = (o.ttftMs ?? 80) + suffixTokens * prefill + decode;
    const slots = o.maxNumSeqs ?? 256;
    miss += (slots * 1000 * speed) / (base + prefixTokens * prefill);
    hit += (slots * 1000 * speed) / base;
  }
  return { miss, hit };
}

/** Poisson arrivals at `ratePerSecond`; each request's group drawn Zipf (after the hot share). */
export function prefixArrivals(
  random: Random,
  ratePerSecond: number,
  durationMs: number,
  workload: PrefixWorkload,
): Arrival[] {
  const weights = Array.from({ length: workload.groups }, (_, k) => 1 / (k + 1) ** workload.zipf);
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let sum = 0;
  for (const w of weights) {
    sum += w / total;
    cumulative.push(sum);
  }
  const group = (): number => {
    if (random() < workload.hotShare) return 0;
    const u = random();
    const k = cumulative.findIndex((c) => u < c);
    return k < 0 ? workload.groups - 1 : k;
  };
  const out: Arrival[] = [];
  const meanGapMs = 1000 / ratePerSecond;
  let at = exponential(random, meanGapMs);
  while (at < durationMs) {
    out.push({
      index: out.length,
      atMs: at,
      maxTokens: uniformInt(random, workload.minTokens, workload.maxTokens),
      promptChars: uniformInt(random, workload.minPromptChars, workload.maxPromptChars),
      prefix: { group: group(), chars: workload.prefixChars },
    });
    at += exponential(random, meanGapMs);
  }
  return out;
}

const prefixTexts = new Map<string, string>();

/** Group `group`'s system prompt: distinct from the first block on, the same every time. */
export function groupPrefixText(group: number, chars: number): string {
  const key = `${group}:${chars}`;
  let text = prefixTexts.get(key);
  if (text === undefined) {
    const words = ['record', 'field', 'label', 'answer', 'source', 'check', 'format', 'schema'];
    let out = `Task ${group}: you annotate dataset ${group} following these rules. `;
    for (let i = 0; out.length < chars; i++)
      out += `Rule ${i}: ${words[(i * (group + 3)) % words.length]} ${group}-${i}. `;
    text = out.slice(0, chars);
    prefixTexts.set(key, text);
  }
  return text;
}

/** A streamed chat request of the shared-prefix scenario: its group's system prompt, then its own text. */
export function sharedPrefixBody(model: string, arrival: Arrival): string {
  const prefix = arrival.prefix!;
  const own = `request ${arrival.index}: ${'lorem ipsum dolor sit amet '.repeat(Math.ceil(arrival.promptChars / 27))}`;
  return JSON.stringify({
    model,
    messages: [
      { role: 'system', content: groupPrefixText(prefix.group, prefix.chars) },
      { role: 'user', content: own.slice(0, Math.max(1, arrival.promptChars)) },
    ],
    stream: true,
    max_tokens: arrival.maxTokens,
  });
}

/** What the sim makes of a request: its prompt tokens and block hashes (the sim's own parse). */
export function simViewOf(
  arrival: Arrival,
  body = sharedPrefixBody(MODEL, arrival),
): { promptTokens: number; blocks: number[] } {
  const parsed = parseInference('chat', body, 32, true);
  if (!parsed.ok) throw new Error(`bench: the sim rejects its own request: ${parsed.message}`);
  return { promptTokens: parsed.request.promptTokens, blocks: parsed.request.blocks };
}

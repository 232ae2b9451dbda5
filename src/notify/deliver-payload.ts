import type { WebhookTarget } from '../config/webhook-targets.ts';
import { backoffDelay } from '../core/backoff.ts';
import type { Clock } from '../core/clock.ts';
import type { Random } from '../core/random.ts';
import type { Transport } from '../core/transport.ts';
import { signRequest } from './sign-request.ts';
import type { SendOutcome, TargetFormat, WebhookBody } from './target-format.ts';

/** Retry and queue bounds of webhook delivery (tests shorten the delays). */
export interface DeliveryTuning {
  /** Attempts per message part, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A target's Retry-After is honoured up to this. */
  readonly maxRetryAfterMs: number;
  /** Notifications waiting per target; beyond it the oldest is dropped and counted. */
  readonly queueLimit: number;
}

/** Four attempts over about 7 s of backoff (plus up to four timeouts): a blip is ridden out, a dead webhook is not waited on for long. */
export const DEFAULT_DELIVERY_TUNING: DeliveryTuning = {
  maxAttempts: 4,
  baseDelayMs: 1000,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 30_000,
  queueLimit: 20,
};

export interface DeliverDeps {
  readonly transport: Transport;
  readonly clock: Clock;
  readonly random: Random;
  readonly tuning: DeliveryTuning;
}

export type DeliveryResult =
  | { readonly ok: true; readonly attempts: number }
  | { readonly ok: false; readonly attempts: number; readonly reason: string };

/** Answers are read up to this much (a misbehaving endpoint cannot make the router buffer a large body). */
const MAX_ANSWER_BYTES = 16_384;
const encoder = new TextEncoder();

/**
 * POST one body to a target until its own success signal says yes, retrying every failure (network,
 * timeout, HTTP error, `errcode`/`code` other than 0, Slack's non-`ok`) with exponential backoff and
 * ±20 % jitter, at most `maxAttempts` times. Each attempt is signed afresh (signatures carry a time).
 */
export async function deliverPayload(
  target: WebhookTarget,
  format: TargetFormat,
  body: WebhookBody,
  timeoutMs: number,
  deps: DeliverDeps,
): Promise<DeliveryResult> {
  const { tuning, clock } = deps;
  let last: SendOutcome = { ok: false, reason: 'not sent' };
  for (let attempt = 1; attempt <= tuning.maxAttempts; attempt++) {
    last = await sendOnce(target, format, body, timeoutMs, deps);
    if (last.ok) return { ok: true, attempts: attempt };
    if (attempt === tuning.maxAttempts) break;
    const backoff = backoffDelay(
      attempt,
      { baseDelayMs: tuning.baseDelayMs, maxDelayMs: tuning.maxDelayMs, jitterFactor: 0.2 },
      deps.random,
    );
    await clock.sleep(
      last.retryAfterMs === undefined
        ? backoff
        : Math.min(Math.max(last.retryAfterMs, backoff), tuning.maxRetryAfterMs),
    );
  }
  return { ok: false, attempts: tuning.maxAttempts, reason: last.ok ? 'not sent' : last.reason };
}

async function sendOnce(
  target: WebhookTarget,
  format: TargetFormat,
  body: WebhookBody,
  timeoutMs: number,
  deps: DeliverDeps,
): Promise<SendOutcome> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const signed = await signRequest(target, body, deps.clock.now());
    const response = await deps.transport.send({
      url: signed.url,
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'llm-router' },
      body: [encoder.encode(JSON.stringify(signed.body))],
      signal,
    });
    const text = await readAnswer(response.body, response.cancel);
    const outcome = format.outcome(response.status, text);
    if (outcome.ok || (response.status !== 429 && response.status !== 503)) return outcome;
    const retryAfter = Number(headerOf(response.headers['retry-after']));
    return Number.isFinite(retryAfter) && retryAfter > 0
      ? { ...outcome, retryAfterMs: retryAfter * 1000 }
      : outcome;
  } catch (error) {
    if (signal.aborted) return { ok: false, reason: `no answer within ${timeoutMs} ms` };
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

async function readAnswer(body: AsyncIterable<Uint8Array>, cancel: () => void): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for await (const chunk of body) {
    bytes += chunk.length;
    text += decoder.decode(chunk, { stream: true });
    if (bytes >= MAX_ANSWER_BYTES) {
      cancel();
      break;
    }
  }
  return text + decoder.decode();
}

function headerOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

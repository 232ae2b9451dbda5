import type { WebhookType } from '../config/main-config-schema.ts';
import { dingtalkFormat } from './format-dingtalk.ts';
import { feishuFormat } from './format-feishu.ts';
import { jsonFormat } from './format-json.ts';
import { slackFormat } from './format-slack.ts';
import { wecomFormat } from './format-wecom.ts';
import type { Line, Message } from './message.ts';
import { type MessagePart, splitMessage } from './split-message.ts';

/** What one answer of a webhook says. */
export type SendOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: string; readonly retryAfterMs?: number };

export type WebhookBody = { readonly [key: string]: unknown };

/** One target type's message format: its request body, its size rule and its own success signal. */
export interface TargetFormat {
  /** The size rule in words (docs, test names). */
  readonly limit: string;
  body(part: MessagePart, mentions: readonly string[]): WebhookBody;
  /** Whether the body (as `body()` made it, before any signature is added) is within the target's limit. */
  fits(body: WebhookBody): boolean;
  outcome(status: number, text: string): SendOutcome;
}

export function formatFor(type: WebhookType): TargetFormat {
  switch (type) {
    case 'wecom':
      return wecomFormat;
    case 'feishu':
      return feishuFormat;
    case 'dingtalk':
      return dingtalkFormat;
    case 'slack':
      return slackFormat;
    case 'json':
      return jsonFormat;
  }
}

/** A notification as this format's request bodies: split to fit, `notes` on top of the first. */
export function renderParts(
  format: TargetFormat,
  message: Message,
  mentions: readonly string[],
  notes: readonly Line[] = [],
): { readonly part: MessagePart; readonly body: WebhookBody }[] {
  return splitMessage(message, notes, (part) => format.fits(format.body(part, mentions))).map((part) => ({
    part,
    body: format.body(part, mentions),
  }));
}

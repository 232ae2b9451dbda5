import type { WebhookTarget } from '../config/webhook-targets.ts';
import type { WebhookBody } from './target-format.ts';

const encoder = new TextEncoder();

/**
 * Signature of a robot with signature verification on, both HMAC-SHA256 over `timestamp + "\n" + secret`
 * (Web Crypto, so the same code runs on Workers):
 * - Feishu / Lark: the string is the key and the message is empty; `timestamp` (seconds) and `sign`
 *   go into the body;
 * - DingTalk: the secret is the key and the string the message; `timestamp` (milliseconds) and `sign`
 *   go into the URL's query.
 */
export async function signRequest(
  target: WebhookTarget,
  body: WebhookBody,
  now: number,
): Promise<{ url: string; body: WebhookBody }> {
  const { secret } = target;
  if (secret === null) return { url: target.url, body };
  if (target.type === 'feishu') {
    const timestamp = String(Math.floor(now / 1000));
    const sign = await hmacBase64(`${timestamp}\n${secret}`, '');
    return { url: target.url, body: { timestamp, sign, ...body } };
  }
  if (target.type === 'dingtalk') {
    const timestamp = String(Math.floor(now));
    const sign = await hmacBase64(secret, `${timestamp}\n${secret}`);
    const separator = target.url.includes('?') ? '&' : '?';
    return { url: `${target.url}${separator}timestamp=${timestamp}&sign=${encodeURIComponent(sign)}`, body };
  }
  return { url: target.url, body };
}

async function hmacBase64(key: string, message: string): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey(
    'raw',
    encoder.encode(key),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const signature = new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, encoder.encode(message)));
  let binary = '';
  for (const byte of signature) binary += String.fromCharCode(byte);
  return btoa(binary);
}

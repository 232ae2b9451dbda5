import type { WebhookTarget } from '../config/webhook-targets.ts';

/**
 * `wecom webhook.targets[1] (qyapi.weixin.qq.com)`: names a target in logs. A webhook URL is a
 * credential (WeCom's `key`, Slack's and Feishu's path, DingTalk's `access_token`), so only its host is
 * ever shown.
 */
export function targetLabel(target: WebhookTarget): string {
  let host = '?';
  try {
    host = new URL(target.url).host;
  } catch {
    // Validated at load; a label must never throw.
  }
  return `${target.type} ${target.key} (${host})`;
}

/**
 * Removes a target's secrets from text bound for a log (an error message may quote the URL): the URL,
 * its path and query, every query value and long path segment, and the signing secret.
 */
export function redactorFor(target: WebhookTarget): (text: string) => string {
  const tokens = new Set<string>([target.url]);
  if (target.secret) tokens.add(target.secret);
  try {
    const url = new URL(target.url);
    if (url.pathname.length > 1) tokens.add(url.pathname);
    if (url.search.length > 1) tokens.add(url.search.slice(1));
    for (const value of url.searchParams.values()) if (value.length >= 4) tokens.add(value);
    for (const segment of url.pathname.split('/')) if (segment.length >= 8) tokens.add(segment);
  } catch {
    // The whole URL is already a token.
  }
  const ordered = [...tokens].filter((token) => token !== '').sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const token of ordered) out = out.split(token).join('***');
    return out;
  };
}

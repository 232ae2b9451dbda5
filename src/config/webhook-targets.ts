import type { MainConfig, WebhookType } from './main-config-schema.ts';
import { resolveSecret, type SecretSource } from './resolve-secret.ts';

/** One place notifications go, with `os.environ/NAME` resolved. */
export interface WebhookTarget {
  readonly type: WebhookType;
  readonly url: string;
  /** Feishu / DingTalk signing secret, or null. */
  readonly secret: string | null;
  readonly mentions: readonly string[];
  /** Where it is configured (`webhook.url`, `webhook.targets[1]`): names it in errors without its URL. */
  readonly key: string;
}

const SIGNED: ReadonlySet<WebhookType> = new Set(['feishu', 'dingtalk']);
const ENV_PREFIX = 'os.environ/';

/**
 * The seed `webhook.url` (a target of type `webhook.format`, WeCom by default) and every
 * `webhook.targets[]` entry, checked: an absolute http(s) URL, a secret only where the format signs.
 * With `secrets` null (config parsing), `os.environ/NAME` values are left for the runtime to resolve;
 * with a source, they are resolved and an unset variable is a problem naming its key.
 */
export function webhookTargets(
  webhook: MainConfig['webhook'],
  secrets: SecretSource | null,
): { targets: WebhookTarget[]; problems: string[] } {
  const problems: string[] = [];
  const targets: WebhookTarget[] = [];
  const entries = [
    ...(webhook.url === ''
      ? []
      : [{ key: 'webhook.url', type: webhook.format, url: webhook.url, secret: undefined, mentions: [] }]),
    ...webhook.targets.map((target, i) => ({ key: `webhook.targets[${i}]`, ...target })),
  ];
  if (webhook.enabled && entries.length === 0)
    problems.push('webhook.url: required when webhook.enabled is true and webhook.targets is empty');
  for (const entry of entries) {
    const urlKey = entry.key === 'webhook.url' ? entry.key : `${entry.key}.url`;
    const url = resolved(entry.url, urlKey, secrets, problems);
    if (url !== null && !isHttpUrl(url)) problems.push(`${urlKey}: must be an absolute http(s) URL`);
    let secret: string | null = null;
    if (entry.secret !== undefined) {
      if (!SIGNED.has(entry.type))
        problems.push(`${entry.key}.secret: only feishu and dingtalk targets sign their requests`);
      else secret = resolved(entry.secret, `${entry.key}.secret`, secrets, problems);
    }
    if (url !== null)
      targets.push({ type: entry.type, url, secret, mentions: entry.mentions, key: entry.key });
  }
  return { targets, problems };
}

/** The value, or null when it is an env reference left unresolved (or unresolvable: a problem is added). */
function resolved(
  value: string,
  key: string,
  secrets: SecretSource | null,
  problems: string[],
): string | null {
  if (secrets === null) return value.startsWith(ENV_PREFIX) ? null : value;
  const result = resolveSecret(value, secrets);
  if ('error' in result) {
    problems.push(`${key}: ${result.error}`);
    return null;
  }
  return result.value;
}

function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol } = new URL(value);
  return protocol === 'http:' || protocol === 'https:';
}

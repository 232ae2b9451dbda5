const ENV_PREFIX = 'os.environ/';

/** Where secrets come from: process env on Node, Worker bindings on Cloudflare. */
export type SecretSource = (name: string) => string | undefined;

/**
 * Resolve LiteLLM's `os.environ/NAME` indirection. Returns `{ error }` rather than throwing so the
 * caller can name the key path in its message.
 */
export function resolveSecret(value: string, secrets: SecretSource): { value: string } | { error: string } {
  if (!value.startsWith(ENV_PREFIX)) return { value };
  const name = value.slice(ENV_PREFIX.length);
  const resolved = secrets(name);
  if (resolved === undefined || resolved === '') return { error: `environment variable ${name} is not set` };
  return { value: resolved };
}

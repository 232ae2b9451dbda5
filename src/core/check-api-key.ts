const encoder = new TextEncoder();

/** True when the `Authorization` header carries one of the accepted Bearer keys. */
export type ApiKeyCheck = (authorization: string | undefined) => boolean;

/** Precompute the accepted keys once; comparison is constant-time per key to not leak prefixes. */
export function createApiKeyCheck(keys: readonly string[]): ApiKeyCheck | null {
  if (keys.length === 0) return null;
  const accepted = keys.map((key) => encoder.encode(key));
  return function checkApiKey(authorization) {
    if (authorization === undefined) return false;
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (!match?.[1]) return false;
    const given = encoder.encode(match[1]);
    let ok = false;
    for (const key of accepted) ok = constantTimeEqual(given, key) || ok;
    return ok;
  };
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

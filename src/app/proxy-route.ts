/** Paths below /v1/ that are not proxied (served by the router itself). */
const LOCAL_V1 = new Set(['models']);

/**
 * The proxied sub-path of `POST /v1/<path>` (e.g. `chat/completions`), or null. Shared by the Hono
 * route table and the Node adapter's fast path so the two can never disagree.
 */
export function proxyPathOf(method: string, pathname: string): string | null {
  if (method !== 'POST' || !pathname.startsWith('/v1/')) return null;
  const path = pathname.slice(4);
  if (path === '' || LOCAL_V1.has(path) || path.includes('..')) return null;
  return path;
}

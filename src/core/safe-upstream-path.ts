/** The paths clients really send (`chat/completions`, `responses`, `embeddings`) skip the full check. */
const PLAIN = /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*$/;
/**
 * Percent-encoded `.`, `/`, `\` and `%` itself. The WHATWG URL parser (which our transports use) turns
 * `%2e%2e` into a `..` segment and pops the parent; many HTTP servers decode `%2f`/`%5c` before routing,
 * and `%25` hides either behind one more decode.
 */
const ENCODED_SEPARATOR = /%(?:2e|2f|5c|25)/i;
/** A `%` that does not start a valid escape, raw backslash (a `/` to the URL parser), query, fragment, controls, spaces. */
const FORBIDDEN = /%(?![0-9A-Fa-f]{2})|[\\?#\s\p{Cc}]/u;
const SENTINEL_BASE = 'http://upstream.invalid/v1';

/**
 * Whether `path` (the part after `/v1/`) can be appended to an api_base without leaving it: the
 * transport sends `${api_base}/${path}` with the backend's key, so `/v1/%2e%2e/metrics` must never reach
 * the backend's `/metrics`. Rejects `.`/`..` segments and encoded separators, then parses the URL the way
 * the transport will and requires every segment to come through in place.
 */
export function isSafeUpstreamPath(path: string): boolean {
  if (PLAIN.test(path)) return true;
  if (path === '' || FORBIDDEN.test(path) || ENCODED_SEPARATOR.test(path)) return false;
  const segments = path.split('/');
  if (segments.some((segment) => segment === '.' || segment === '..')) return false;
  let resolved: URL;
  try {
    resolved = new URL(`${SENTINEL_BASE}/${path}`);
  } catch {
    return false;
  }
  return (
    resolved.search === '' &&
    resolved.hash === '' &&
    resolved.pathname.startsWith('/v1/') &&
    resolved.pathname.split('/').length === segments.length + 2
  );
}

import { type RouterError, routerErrors } from './router-error.ts';
import { isSafeUpstreamPath } from './safe-upstream-path.ts';

/** Paths below /v1/ that are not proxied (served by the router itself). */
const LOCAL_V1 = new Set(['models']);

/**
 * The proxied sub-path of `POST /v1/<path>` (e.g. `chat/completions`); a RouterError (400) when that path
 * could leave the backend's api_base; null when this is not a proxied route. Shared by the Hono route
 * table and the Node adapter's fast path so the two can never disagree. `pathname` is the raw request
 * target without its query, as the client sent it (not normalised by a URL parser).
 */
export function proxyPathOf(method: string, pathname: string): string | RouterError | null {
  if (method !== 'POST' || !pathname.startsWith('/v1/')) return null;
  const path = pathname.slice(4);
  if (path === '' || LOCAL_V1.has(path)) return null;
  return isSafeUpstreamPath(path) ? path : routerErrors.invalidPath();
}

/**
 * The query of a raw request target (`/v1/chat/completions?api-version=2024-06-01`), `?` included, to be
 * sent upstream as is; '' when there is none. Hosted APIs read parameters there (Azure's `api-version`).
 * The fragment never belongs to a request; anything from a stray `#` is dropped.
 */
export function upstreamQueryOf(target: string): string {
  const start = target.indexOf('?');
  if (start === -1) return '';
  const hash = target.indexOf('#', start);
  const query = hash === -1 ? target.slice(start) : target.slice(start, hash);
  return query === '?' ? '' : query;
}

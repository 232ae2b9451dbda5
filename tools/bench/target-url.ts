/** A server's base URL split for undici: origin, and any path before `/v1` (usually empty). */
export interface TargetBase {
  readonly origin: string;
  readonly pathPrefix: string;
  /** `origin + pathPrefix`: what the report shows. */
  readonly url: string;
}

/**
 * Parses `http://host:port`, `http://host:port/v1` or a base behind a path prefix
 * (`https://gw/openai/v1`); throws a message naming the problem.
 */
export function targetBase(text: string): TargetBase {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`"${text}" is not a URL (expected http://host:port)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`"${text}" must start with http:// or https://`);
  if (url.search || url.hash)
    throw new Error(`"${text}": give the server's base URL, without ?query or #hash`);
  const pathPrefix = url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  return { origin: url.origin, pathPrefix, url: `${url.origin}${pathPrefix}` };
}

/**
 * The dashboard from the assets binding, mapped the way the Node adapter maps public/: `/dashboard/x` is
 * `public/x`, a directory means its index.html. wrangler.toml sets html_handling = "none" so the binding
 * serves exact files and never answers with a redirect to a path outside /dashboard/.
 */
export function createAssetReader(assets: Fetcher): (path: string) => Promise<Response | null> {
  return async (path) => {
    const file = path === '' || path.endsWith('/') ? `${path}index.html` : path;
    if (file.split('/').includes('..')) return null;
    const response = await assets.fetch(new Request(new URL(file, 'https://assets.invalid/')));
    if (response.status === 404) return null;
    const headers = new Headers(response.headers);
    headers.set('cache-control', 'no-cache');
    headers.set('x-content-type-options', 'nosniff');
    return new Response(response.body, { status: response.status, headers });
  };
}

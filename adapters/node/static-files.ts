import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/** Serve files below `root` (the dashboard's public/); refuses paths that escape it. */
export function createStaticFiles(root: string): (path: string) => Promise<Response | null> {
  const base = normalize(root + sep);
  return async (path) => {
    const relative = path === '' || path.endsWith('/') ? `${path}index.html` : path;
    let decoded: string;
    try {
      decoded = decodeURIComponent(relative);
    } catch {
      // A malformed escape (`/dashboard/%`) names no file: a 404 like any other, not a server error.
      return null;
    }
    const file = normalize(join(base, decoded));
    if (!file.startsWith(base)) return null;
    try {
      const data = await readFile(file);
      return new Response(data, {
        headers: {
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
          'cache-control': 'no-cache',
          'x-content-type-options': 'nosniff',
        },
      });
    } catch {
      return null;
    }
  };
}

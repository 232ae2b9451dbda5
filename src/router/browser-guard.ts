import { RouterError } from '../core/router-error.ts';

/** Which key guards a route: `/v1/*` the API keys, `/api/*` and `/metrics` the dashboard keys. */
export type GuardScope = 'api' | 'dashboard';

/** A request's headers by lower-case name. */
export type HeaderLookup = (name: string) => string | undefined;

export interface BrowserGuardPolicy {
  /** No inbound key guards this scope: browsers must name an expected Host (DNS rebinding). */
  readonly open: Readonly<Record<GuardScope, boolean>>;
  /** server.allowed_hosts: exact names, or `*.example.com` for any subdomain. */
  readonly allowedHosts: readonly string[];
}

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

const refused = (code: string, message: string) =>
  new RouterError(403, 'invalid_request_error', code, message);

/** Content types a JSON body may be declared as (application/json, application/*+json), or none at all. */
function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return true;
  const type = value.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** `host[:port]` without the port, lower-cased; IPv6 keeps its brackets. */
function hostName(host: string): string {
  const lower = host.trim().toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  const colon = lower.indexOf(':');
  return colon === -1 ? lower : lower.slice(0, colon);
}

/** Whether an Origin header names the request's own Host (scheme from the Origin, default ports dropped). */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    const url = new URL(origin);
    return new URL(`${url.protocol}//${host}`).host === url.host;
  } catch {
    return false;
  }
}

function hostAllowed(host: string, allowed: readonly string[]): boolean {
  const name = hostName(host);
  if (IPV4.test(name) || name.startsWith('[') || name === 'localhost' || name.endsWith('.localhost'))
    return true;
  return allowed.some((entry) => {
    const pattern = entry.toLowerCase();
    return pattern.startsWith('*.') ? name.endsWith(pattern.slice(1)) : name === pattern;
  });
}

/**
 * Requests a browser makes on a page's behalf that the router refuses (docs/operations.md "Exposure"):
 *
 * - a cross-site POST (Sec-Fetch-Site, or an Origin that is not the Host): a page on another site could
 *   otherwise spend the backends' keys through a router that has no inbound key, since a simple POST
 *   needs no CORS preflight;
 * - a POST whose Content-Type is not JSON (`text/plain` and form types are what a page can send
 *   without a preflight; no Content-Type at all is accepted, as the engines do);
 * - a browser request for a route no key guards whose Host is not an IP address, localhost or
 *   `server.allowed_hosts`: under DNS rebinding a page's own name points at the router and every check
 *   above sees a same-origin request. Only requests carrying browser headers are checked, so SDKs, curl
 *   and scrapers that reach a keyless router by a DNS name keep working.
 */
export function browserRefusal(
  header: HeaderLookup,
  method: string,
  scope: GuardScope,
  policy: BrowserGuardPolicy,
): RouterError | null {
  const origin = header('origin');
  const site = header('sec-fetch-site');
  const host = header('host');
  if (method === 'POST') {
    if (site === 'cross-site' || site === 'same-site')
      return refused('cross_site_request', 'cross-site browser requests are not accepted');
    if (origin !== undefined && !sameOrigin(origin, host))
      return refused('cross_site_request', 'cross-site browser requests are not accepted');
    if (!isJsonContentType(header('content-type')))
      return new RouterError(
        415,
        'invalid_request_error',
        'unsupported_media_type',
        'Content-Type must be application/json',
      );
  }
  const browser = origin !== undefined || site !== undefined || header('sec-fetch-mode') !== undefined;
  if (browser && policy.open[scope] && host !== undefined && !hostAllowed(host, policy.allowedHosts))
    return refused(
      'host_not_allowed',
      `Host '${hostName(host).slice(0, 100)}' is not allowed for browsers: with no inbound key only IP addresses, localhost and server.allowed_hosts are (DNS-rebinding protection)`,
    );
  return null;
}

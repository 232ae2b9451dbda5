import { type TopData, TopDataSchema } from './top-data.ts';

/** Why the dashboard could not be read, as one line for the operator. */
export class DashboardUnavailable extends Error {
  override readonly name = 'DashboardUnavailable';
}

export interface DashboardClientOptions {
  /** The router's base URL (`http://127.0.0.1:8000`, or with a path prefix behind a proxy). */
  readonly url: string;
  readonly apiKey: string | undefined;
  readonly timeoutMs: number;
}

/** Reads a router's `/api/dashboard`; every failure is a DashboardUnavailable with a one-line message. */
export function createDashboardClient(options: DashboardClientOptions): () => Promise<TopData> {
  const endpoint = `${options.url.replace(/\/+$/, '')}/api/dashboard`;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  return async () => {
    let response: Response;
    try {
      response = await fetch(endpoint, { headers, signal: AbortSignal.timeout(options.timeoutMs) });
    } catch (error) {
      throw new DashboardUnavailable(`cannot reach ${endpoint}: ${reasonOf(error, options.timeoutMs)}`);
    }
    const body = await response.text().catch(() => '');
    if (response.status === 401 || response.status === 403) {
      const hint = options.apiKey
        ? 'check --api-key / LLM_ROUTER_API_KEY'
        : 'pass --api-key or set LLM_ROUTER_API_KEY';
      throw new DashboardUnavailable(
        `${endpoint} answered ${response.status}: ${envelopeMessage(body) ?? 'unauthorized'} (${hint})`,
      );
    }
    if (!response.ok)
      throw new DashboardUnavailable(
        `${endpoint} answered ${response.status}${envelopeMessage(body) ? `: ${envelopeMessage(body)}` : ''}`,
      );
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    const parsed = TopDataSchema.safeParse(json);
    if (!parsed.success)
      throw new DashboardUnavailable(
        `${endpoint} did not answer an llm-router dashboard (is --url a router?)`,
      );
    return parsed.data;
  };
}

function reasonOf(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && error.name === 'TimeoutError')
    return `no answer within ${timeoutMs / 1000} s`;
  // fetch wraps the socket error: "fetch failed" with the useful part (ECONNREFUSED ...) in `cause`.
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const message = cause instanceof Error ? cause.message : String(cause);
  return message.split('\n')[0] ?? message;
}

/** The message of an OpenAI-style error envelope, one line. */
function envelopeMessage(body: string): string | null {
  try {
    const message = (JSON.parse(body) as { error?: { message?: unknown } }).error?.message;
    return typeof message === 'string' ? message.split('\n')[0]!.slice(0, 200) : null;
  } catch {
    return null;
  }
}

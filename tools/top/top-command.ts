import { type Command, commandFlags, flagOn } from '../cli/index.ts';
import { createDashboardClient, DashboardUnavailable } from './dashboard-client.ts';
import { runLiveTop } from './live-top.ts';
import { plain, renderFrame } from './render-frame.ts';
import { estimate } from './request-rate.ts';
import { INITIAL_VIEW } from './top-view.ts';

const TOP_USAGE = `Usage: llm-router top [flags]

Live terminal dashboard of a running router (local or remote), read from its /api/dashboard.
Keys: q or Ctrl-C quit, s cycle the backend sort, / filter backends (Enter keeps, Esc clears),
m show or hide the per-model table. With --once, or when stdout is not a terminal, prints one
plain-text snapshot and exits.

  --url URL            the router's base URL (default http://127.0.0.1:8000)
  --api-key KEY        key for /api/* (default: the LLM_ROUTER_API_KEY environment variable)
  --interval SECONDS   refresh period (default 1)
  --once               print one snapshot and exit
  --help               print this text
`;

/** Longest wait for one /api/dashboard answer. */
const REQUEST_TIMEOUT_MS = 5000;

/** `llm-router top`: the terminal dashboard. */
export const topCommand: Command = {
  name: 'top',
  summary: 'live terminal dashboard of a running router',
  usage: TOP_USAGE,
  run: runTop,
};

async function runTop(argv: readonly string[]): Promise<number> {
  const parsed = commandFlags('llm-router top', TOP_USAGE, argv, {
    values: ['url', 'api-key', 'interval'],
    booleans: ['once'],
  });
  if (typeof parsed === 'number') return parsed;
  const problem = (message: string) => {
    process.stderr.write(`llm-router top: ${message}\n`);
    return 2;
  };
  if (parsed.positional.length > 0) return problem(`unexpected argument "${parsed.positional[0]}"`);
  const url = parsed.flags.get('url') ?? 'http://127.0.0.1:8000';
  if (!isHttpUrl(url)) return problem(`--url must be an http:// or https:// URL (got "${url}")`);
  const intervalText = parsed.flags.get('interval') ?? '1';
  const interval = Number(intervalText);
  if (!(Number.isFinite(interval) && interval >= 0.1 && interval <= 3600))
    return problem(`--interval must be a number of seconds in 0.1..3600 (got "${intervalText}")`);

  const read = createDashboardClient({
    url,
    apiKey: parsed.flags.get('api-key') ?? process.env.LLM_ROUTER_API_KEY,
    timeoutMs: REQUEST_TIMEOUT_MS,
  });
  let first: Awaited<ReturnType<typeof read>>;
  try {
    first = await read();
  } catch (error) {
    if (!(error instanceof DashboardUnavailable)) throw error;
    process.stderr.write(`llm-router top: ${error.message}\n`);
    return 1;
  }

  const { stdout, stdin } = process;
  if (flagOn(parsed, 'once') || !stdout.isTTY) {
    const lines = renderFrame(
      {
        data: first,
        view: INITIAL_VIEW,
        requestsPerSecond: estimate(first),
        width: stdout.isTTY ? stdout.columns || 80 : Number.POSITIVE_INFINITY,
        height: null,
        now: new Date(),
        notice: null,
        footer: false,
      },
      plain,
    );
    stdout.write(`${lines.join('\n')}\n`);
    return 0;
  }
  return runLiveTop({ read, first, intervalMs: interval * 1000, color: stdout.hasColors(), stdin, stdout });
}

function isHttpUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

import type { IncomingHttpHeaders } from 'node:http';
import type { EngineSnapshot } from './sim-engine.ts';

/** What tests read back from a sim instance. */
export interface SimStats {
  /** Every HTTP request received, any path. */
  received: number;
  /** Request count per path (query string removed). */
  byPath: Record<string, number>;
  running: number;
  waiting: number;
  /** Inference requests whose generation finished and whose response was fully written. */
  completed: number;
  /** Requests whose client went away before the response finished. */
  cancelled: number;
  /** Responses shaped by a fault (error, 429, hang, drop, failInferenceOnly, models status/flap). */
  errorsInjected: number;
  promptTokens: number;
  generationTokens: number;
  /** Prefix cache (`prefixCacheTokens`): prompt tokens looked up and found cached; 0 without one. */
  prefixCacheQueries: number;
  prefixCacheHits: number;
  /**
   * `Authorization`, headers and raw body of the last inference POST (/v1/...). Probes and scrapes do not
   * overwrite them, so a test can check what the router forwarded without racing its health checker.
   */
  lastAuthorization: string | null;
  lastHeaders: Record<string, string> | null;
  lastBody: string | null;
  /** Request target (path and query) of the last inference POST. */
  lastUrl: string | null;
}

/** The mutable counters behind `SimStats`; running/waiting/tokens come from the engine at read time. */
export class SimCounters {
  received = 0;
  byPath: Record<string, number> = {};
  completed = 0;
  cancelled = 0;
  errorsInjected = 0;
  lastAuthorization: string | null = null;
  lastHeaders: Record<string, string> | null = null;
  lastBody: string | null = null;
  lastUrl: string | null = null;

  countRequest(path: string): void {
    this.received++;
    this.byPath[path] = (this.byPath[path] ?? 0) + 1;
  }

  recordInference(url: string, headers: IncomingHttpHeaders, body: string): void {
    this.lastUrl = url;
    this.lastAuthorization = headers.authorization ?? null;
    this.lastHeaders = flattenHeaders(headers);
    this.lastBody = body;
  }

  toStats(engine: EngineSnapshot): SimStats {
    return {
      received: this.received,
      byPath: { ...this.byPath },
      running: engine.running,
      waiting: engine.waiting,
      completed: this.completed,
      cancelled: this.cancelled,
      errorsInjected: this.errorsInjected,
      promptTokens: engine.promptTokensTotal,
      generationTokens: engine.generationTokensTotal,
      prefixCacheQueries: engine.prefixCache?.queries ?? 0,
      prefixCacheHits: engine.prefixCache?.hits ?? 0,
      lastAuthorization: this.lastAuthorization,
      lastHeaders: this.lastHeaders ? { ...this.lastHeaders } : null,
      lastBody: this.lastBody,
      lastUrl: this.lastUrl,
    };
  }
}

/** Lower-case names; repeated headers joined with `, ` as HTTP allows. */
export function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

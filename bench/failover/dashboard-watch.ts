import { Agent } from 'undici';

export interface BackendSample {
  /** `performance.now()` when the answer arrived. */
  readonly at: number;
  readonly healthy: boolean;
  /** Attempts the router sent to the backend since it started (`total_requests`). */
  readonly attempts: number;
}

interface DashboardBackends {
  readonly backends: readonly {
    readonly id: string;
    readonly healthy: boolean;
    readonly total_requests: number;
  }[];
}

export interface DashboardWatch {
  readonly samples: BackendSample[];
  /** One extra poll now (e.g. right before a fault is injected). */
  sampleNow(): Promise<BackendSample | undefined>;
  /** Poll every `everyMs` instead for the next `forMs`, starting at once (around a fault). */
  pollFast(forMs: number, everyMs: number): void;
  /** Idempotent. */
  stop(): Promise<void>;
}

/**
 * Polls `GET /api/dashboard` every `everyMs` (or faster during a `pollFast` window) and keeps one
 * backend's health and attempt count.
 */
export function watchBackend(url: string, backendId: string, everyMs: number): DashboardWatch {
  const agent = new Agent({ connections: 2 });
  const { origin } = new URL(url);
  const samples: BackendSample[] = [];
  let stopped = false;
  let closing: Promise<void> | undefined;
  let fastUntil = 0;
  let fastEveryMs = everyMs;
  let wake: () => void = () => {};
  const poll = async (): Promise<BackendSample | undefined> => {
    try {
      const res = await agent.request({ origin, path: '/api/dashboard', method: 'GET' });
      const data = (await res.body.json()) as DashboardBackends;
      const backend = data.backends.find((b) => b.id === backendId);
      if (!backend) return undefined;
      const sample = { at: performance.now(), healthy: backend.healthy, attempts: backend.total_requests };
      samples.push(sample);
      return sample;
    } catch {
      // The router is busy or restarting; the next poll will tell.
      return undefined;
    }
  };
  const loop = (async () => {
    while (!stopped) {
      const period = performance.now() < fastUntil ? fastEveryMs : everyMs;
      const next = performance.now() + period;
      await poll();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, next - performance.now()));
        // pollFast cuts the current wait short, so the fast window starts now, not a period later.
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();
  return {
    samples,
    sampleNow: poll,
    pollFast(forMs, fastMs) {
      fastUntil = performance.now() + forMs;
      fastEveryMs = fastMs;
      wake();
    },
    stop() {
      stopped = true;
      wake();
      closing ??= loop.then(() => agent.close());
      return closing;
    },
  };
}

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
  /** Idempotent. */
  stop(): Promise<void>;
}

/** Polls `GET /api/dashboard` every `everyMs` and keeps one backend's health and attempt count. */
export function watchBackend(url: string, backendId: string, everyMs: number): DashboardWatch {
  const agent = new Agent({ connections: 2 });
  const { origin } = new URL(url);
  const samples: BackendSample[] = [];
  let stopped = false;
  let closing: Promise<void> | undefined;
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
      const next = performance.now() + everyMs;
      await poll();
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
    }
  })();
  return {
    samples,
    sampleNow: poll,
    stop() {
      stopped = true;
      closing ??= loop.then(() => agent.close());
      return closing;
    },
  };
}

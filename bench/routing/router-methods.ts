import type { LoopLag } from './loop-lag.ts';

/** IPC interface of router-child.ts. */
export type RouterMethods = {
  /**
   * Start `startRouter` on 127.0.0.1:0 with a seeded Random; resolves once /ready says ready. `root`: the
   * repository to load it from (null: this one).
   */
  start: { params: { configPath: string; seed: number; root: string | null }; result: { url: string } };
  /** Event-loop delay since the previous call (or the start). */
  lag: { params: Record<string, never>; result: LoopLag };
  /** What the router believes: per backend id, in-flight and the last scraped load. */
  view: {
    params: Record<string, never>;
    result: { backends: RouterBackendView[]; prefixIndexes: RouterIndexView[] };
  };
  stop: { params: Record<string, never>; result: Record<string, never> };
};

/** cache-aware's prefix index of one model, as the router reports it. */
export interface RouterIndexView {
  readonly model: string;
  readonly entries: number;
  readonly capacity: number;
  readonly bytes: number;
}

export interface RouterBackendView {
  readonly id: string;
  readonly healthy: boolean;
  readonly inflight: number;
  readonly attempts: number;
  readonly failures: number;
  readonly scrapedWaiting: number | null;
  readonly scrapedRunning: number | null;
  readonly loadAgeMs: number | null;
}

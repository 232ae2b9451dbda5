import type { SimSpec } from './fleet-spec.ts';
import type { LoopLag } from './loop-lag.ts';

/** True engine state of one sim, as its own scheduler sees it. */
export interface SimLive {
  readonly running: number;
  readonly waiting: number;
  readonly completed: number;
  readonly cancelled: number;
  /** `GET /metrics` requests that reached the sim itself (a metric-less backend's proxy answers them). */
  readonly metricsScrapes: number;
  /** Prefix cache: prompt tokens looked up and found cached (0 without one). */
  readonly prefixCacheQueries: number;
  readonly prefixCacheHits: number;
}

/** IPC interface of fleet-child.ts. */
export type FleetMethods = {
  /** Close the previous fleet, start fresh sims; `urls` are the api_bases (`http://127.0.0.1:PORT/v1`). */
  start: { params: { specs: SimSpec[] }; result: { urls: string[] } };
  stats: { params: Record<string, never>; result: { backends: SimLive[] } };
  /** Event-loop delay since the previous call (or the last start). */
  lag: { params: Record<string, never>; result: LoopLag };
  stop: { params: Record<string, never>; result: Record<string, never> };
};

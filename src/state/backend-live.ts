import { type HealthRecord, newHealthRecord } from '../health/health-record.ts';
import type { EngineLoad } from '../metrics/engine-load.ts';
import { SlidingWindow } from '../ratelimit/sliding-window.ts';
import { AttemptWindow } from './attempt-window.ts';
import { CapacityEstimate } from './capacity-estimate.ts';
import { EngineDecodeRate } from './engine-decode-rate.ts';
import { PrefixHitRate } from './prefix-hit-rate.ts';
import { SpeedEstimate } from './speed-estimate.ts';

/** Mutable live state of one backend, keyed by backend id; survives pool snapshot swaps. */
export class BackendLive {
  readonly id: string;
  readonly health: HealthRecord;
  inflight = 0;
  pending = 0;
  /** Every send in the last 60 s: the RPM limiter and the "send RPM" statistic in one log. */
  readonly sends = new SlidingWindow();
  readonly completions = new SlidingWindow();
  holdUntil = 0;
  load: EngineLoad | null = null;
  loadAt = 0;
  inflightAtScrape = 0;
  attempts = 0;
  successes = 0;
  failures = 0;
  clientErrors = 0;
  rateLimited = 0;
  latencyMsSum = 0;
  readonly speed = new SpeedEstimate();
  readonly capacity = new CapacityEstimate();
  readonly decodeRate = new EngineDecodeRate();
  readonly prefixHits = new PrefixHitRate();
  /** `max_num_seqs` of the candidate spec last seen (undefined: none yet); a change relearns capacity. */
  configuredCapacity: number | null | undefined = undefined;
  ttftMsSum = 0;
  ttftCount = 0;
  lastError: string | null = null;
  lastErrorAt = 0;
  lastChangeAt = 0;
  leasesExpired = 0;
  retired = false;
  /** The dashboard's last 60 s: latency and TTFT percentiles, errors by kind, output tokens/s. */
  readonly window = new AttemptWindow();

  constructor(id: string, healthy: boolean) {
    this.id = id;
    this.health = newHealthRecord(healthy);
  }
}

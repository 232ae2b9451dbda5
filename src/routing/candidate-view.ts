/** What a strategy sees of one eligible backend at the moment of choice. */
export interface CandidateView {
  readonly id: string;
  readonly weight: number;
  /** Requests this router has open on the backend (streams count until their last byte). */
  readonly inflight: number;
  /** Engine-reported queue from a fresh scrape; null when there is none or it is stale. */
  readonly engineWaiting: number | null;
  /** Router in-flight count when that scrape was taken. */
  readonly inflightAtScrape: number;
  /** 0..1 from a fresh scrape, else null. */
  readonly kvCacheUsage: number | null;
  /** Median of recent successful attempt durations (ms, LatencyEstimate); null when too few. */
  readonly latencyMs: number | null;
}

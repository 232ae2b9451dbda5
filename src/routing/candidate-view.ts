import type { ProfileInput } from './backend-profile.ts';

/** What a strategy sees of one eligible backend at the moment of choice. */
export interface CandidateView extends ProfileInput {
  readonly id: string;
  readonly weight: number;
  /** Requests this router has open on the backend (streams count until their last byte). */
  readonly inflight: number;
  /**
   * Requests the engine reported beyond this router's own at the last fresh scrape (other routers, clients
   * that call it directly); 0 when the metrics are absent or stale.
   */
  readonly others: number;
  /** Whether a fresh scrape of the engine's metrics backs `others` (and showed how busy it was). */
  readonly engineMetrics: boolean;
}

/** One upstream endpoint serving one public model: immutable, replaced whole when its file changes. */
export interface Backend {
  /** `model_name@api_base`: the identity live state is keyed by. */
  readonly id: string;
  /** Public name clients send; the routing key. */
  readonly modelName: string;
  /** Normalised (no trailing `/`), includes `/v1`. */
  readonly apiBase: string;
  /** Model name the upstream expects (provider prefix stripped). */
  readonly upstreamModel: string;
  /** True when the forwarded body's `model` must be rewritten to `upstreamModel`. */
  readonly rewriteModel: boolean;
  /** Bearer key sent upstream; never logged or returned. */
  readonly apiKey: string | undefined;
  readonly weight: number;
  readonly sourceType: string;
  readonly rpmLimit: number | null;
  readonly maxConcurrency: number | null;
  /** Engine slot count from `max_num_seqs` (a capacity hint, not a cap); null when not configured. */
  readonly maxNumSeqs: number | null;
  readonly supportsVision: boolean;
  readonly scrapeMetrics: boolean;
  /** `<api_base without /v1>/metrics`. */
  readonly metricsUrl: string;
  /** Backend file this entry came from (for per-file diffs and error reports). */
  readonly file: string;
}

/** Backend identity as the Go router defines it, with a trailing `/` normalised away. */
export function backendId(modelName: string, apiBase: string): string {
  return `${modelName}@${normaliseApiBase(apiBase)}`;
}

export function normaliseApiBase(apiBase: string): string {
  return apiBase.replace(/\/+$/, '');
}

/** The engine's Prometheus endpoint lives beside `/v1`, not under it. */
export function metricsUrlOf(apiBase: string): string {
  return `${normaliseApiBase(apiBase).replace(/\/v1$/, '')}/metrics`;
}

/** Fields whose change means the same id must be treated as a different backend config. */
export function sameBackendConfig(a: Backend, b: Backend): boolean {
  return (
    a.id === b.id &&
    a.upstreamModel === b.upstreamModel &&
    a.apiKey === b.apiKey &&
    a.weight === b.weight &&
    a.sourceType === b.sourceType &&
    a.rpmLimit === b.rpmLimit &&
    a.maxConcurrency === b.maxConcurrency &&
    a.maxNumSeqs === b.maxNumSeqs &&
    a.supportsVision === b.supportsVision &&
    a.scrapeMetrics === b.scrapeMetrics
  );
}

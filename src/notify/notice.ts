/**
 * What the router tells its notifier. Plain JSON values: on Workers they cross to the notifier object
 * over RPC and are kept in its storage.
 */
export type Notice = HealthNotice | ConfigNotice | StartedNotice;

/** A backend's health changed (a probe result or passive ejection by traffic). */
export interface HealthNotice {
  readonly kind: 'health';
  readonly id: string;
  readonly model: string;
  readonly apiBase: string;
  readonly healthy: boolean;
  readonly cause: 'probe' | 'traffic';
  readonly reason: string;
  readonly at: number;
}

/** A config file failed to load; the previous version keeps running. */
export interface ConfigNotice {
  readonly kind: 'config-rejected';
  readonly file: string;
  readonly message: string;
  readonly at: number;
}

/**
 * A router started on config `version`. The startup report is sent once per version: once per process on
 * Node, once per deployed config on Workers (whose isolates all start the same config).
 */
export interface StartedNotice {
  readonly kind: 'started';
  readonly version: string;
  readonly at: number;
}

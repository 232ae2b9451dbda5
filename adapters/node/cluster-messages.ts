import type { AcquireRequest, ConfigOverrides, ConfigTexts, StateOp } from '../../src/index.ts';

/** Every message of ours carries this tag; Node's cluster sends its own on the same channel. */
export const IPC_TAG = 'llm-router';

/** One RouterState call from a worker; several go in one message (IpcStateChannel batches a turn). */
export type StateCall =
  | { readonly id: number; readonly acquire: AcquireRequest }
  | { readonly id: number; readonly view: number }
  | { readonly id: number; readonly ops: readonly StateOp[] };

export type StateAnswer =
  | { readonly id: number; readonly ok: unknown }
  | { readonly id: number; readonly error: string };

/** What a worker asks the primary to render: the whole router's views live there. */
export type ViewName = 'dashboard' | 'metrics' | 'history';

/** Worker to primary. */
export type WorkerMessage =
  | { readonly t: typeof IPC_TAG; readonly k: 'hello' }
  /** `inflight`: the worker's open client requests as the calls leave (the dashboard sums them). */
  | {
      readonly t: typeof IPC_TAG;
      readonly k: 'state';
      readonly inflight: number;
      readonly calls: readonly StateCall[];
    }
  | { readonly t: typeof IPC_TAG; readonly k: 'ask'; readonly id: number; readonly view: ViewName }
  /** A log.file line: the primary owns the file. */
  | { readonly t: typeof IPC_TAG; readonly k: 'log'; readonly line: string }
  | { readonly t: typeof IPC_TAG; readonly k: 'beat'; readonly inflight: number; readonly rss: number }
  | { readonly t: typeof IPC_TAG; readonly k: 'listening'; readonly url: string }
  /** The worker could not start (its config failed, the port was taken): the primary stops. */
  | { readonly t: typeof IPC_TAG; readonly k: 'failed'; readonly message: string };

/** Primary to worker. */
export type PrimaryMessage =
  | {
      readonly t: typeof IPC_TAG;
      readonly k: 'init';
      /** The config as the primary applied it last (a restarted worker starts from the same). */
      readonly texts: ConfigTexts;
      readonly overrides: ConfigOverrides;
      readonly processes: number;
    }
  | { readonly t: typeof IPC_TAG; readonly k: 'state'; readonly answers: readonly StateAnswer[] }
  /** A view a worker asked for (`ask`), or why it could not be rendered. */
  | ({ readonly t: typeof IPC_TAG; readonly k: 'answer' } & StateAnswer)
  /** A reload the primary applied: config.yaml's text, or one backend file's (null: gone). */
  | { readonly t: typeof IPC_TAG; readonly k: 'main'; readonly text: string }
  | {
      readonly t: typeof IPC_TAG;
      readonly k: 'backend';
      readonly file: string;
      readonly text: string | null;
    };

export function isOurs<T extends { readonly t: string }>(message: unknown): message is T {
  return typeof message === 'object' && message !== null && (message as { t?: unknown }).t === IPC_TAG;
}

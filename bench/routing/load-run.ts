import { performance } from 'node:perf_hooks';
import type { Arrival } from './arrivals.ts';
import { MODEL } from './fleet-spec.ts';
import { sharedPrefixBody } from './prefix-workload.ts';
import { chatBody, type StreamClient, type StreamTarget, streamChat } from './stream-client.ts';

/** What one request did, as the load generator recorded it. */
export interface RequestRecord {
  readonly index: number;
  /** Index of the backend that served it (from the oracle's choice or the router's header); -1 unknown. */
  readonly backend: number;
  /** ms from the scheduled arrival; null when no content arrived (error or timeout). */
  readonly ttftMs: number | null;
  readonly e2eMs: number | null;
  /** How late the generator actually sent it, ms. */
  readonly sendLagMs: number;
  readonly error: string | null;
}

/** Routes one arrival: where to send it, and (for the oracle) which backend that is. */
export interface Dispatcher {
  pick(arrival: Arrival): { readonly target: StreamTarget; readonly backend: number | null };
  /** Called when the request is over (its response ended or failed). */
  done(backend: number | null): void;
  /** Backend index named by a response's `x-llm-router-backend`, -1 when unknown. */
  backendOf(header: string | null): number;
}

export interface RunOptions {
  readonly client: StreamClient;
  /** After the last arrival, wait at most this long for open requests; the rest are aborted and counted. */
  readonly drainTimeoutMs: number;
  /** Called every `sampleEveryMs` while the run lasts (queue sampling). */
  readonly onSample?: () => void;
  readonly sampleEveryMs?: number;
}

export interface RunResult {
  readonly records: RequestRecord[];
  /** Last arrival to last completion, ms. */
  readonly drainMs: number;
  readonly wallMs: number;
}

/** Open loop: every arrival is sent at its time whatever happened to the others. */
export async function runSchedule(
  schedule: readonly Arrival[],
  dispatcher: Dispatcher,
  options: RunOptions,
): Promise<RunResult> {
  const records: RequestRecord[] = new Array(schedule.length);
  const inflight: Promise<void>[] = [];
  const lastAt = schedule.length > 0 ? (schedule[schedule.length - 1]?.atMs ?? 0) : 0;
  const start = performance.now() + 20;
  const deadline = start + lastAt + options.drainTimeoutMs;
  let lastDone = start;
  const sampler =
    options.onSample && options.sampleEveryMs ? setInterval(options.onSample, options.sampleEveryMs) : null;

  const fire = (arrival: Arrival): void => {
    const scheduled = start + arrival.atMs;
    const sendLagMs = performance.now() - scheduled;
    const { target, backend } = dispatcher.pick(arrival);
    const body = arrival.prefix
      ? sharedPrefixBody(MODEL, arrival)
      : chatBody(MODEL, arrival.promptChars, arrival.maxTokens, arrival.index);
    const timeoutMs = Math.max(1, deadline - performance.now());
    inflight.push(
      streamChat(options.client, target, body, scheduled, timeoutMs).then((outcome) => {
        dispatcher.done(backend);
        lastDone = Math.max(lastDone, performance.now());
        records[arrival.index] = {
          index: arrival.index,
          backend: backend ?? dispatcher.backendOf(outcome.backendHeader),
          ttftMs: outcome.ttftMs,
          e2eMs: outcome.e2eMs,
          sendLagMs,
          error: outcome.error,
        };
      }),
    );
  };

  await new Promise<void>((resolve) => {
    let next = 0;
    const tick = (): void => {
      const now = performance.now();
      while (next < schedule.length && start + (schedule[next]?.atMs ?? 0) <= now) {
        const arrival = schedule[next++];
        if (arrival) fire(arrival);
      }
      if (next >= schedule.length) {
        resolve();
        return;
      }
      setTimeout(tick, Math.max(0, start + (schedule[next]?.atMs ?? 0) - performance.now()));
    };
    setTimeout(tick, Math.max(0, start - performance.now()));
  });
  await Promise.all(inflight);
  if (sampler) clearInterval(sampler);
  return { records, drainMs: Math.max(0, lastDone - (start + lastAt)), wallMs: lastDone - start };
}

import { performance } from 'node:perf_hooks';
import type { Workload } from './fleet-spec.ts';
import { MODEL } from './fleet-spec.ts';
import { type Random, uniformInt } from './prng.ts';
import { chatBody, createStreamClient, type StreamTarget, streamChat } from './stream-client.ts';

export interface CapacityProbe {
  /** Completions per second per backend while it was saturated. */
  readonly perBackendRps: number[];
  readonly totalRps: number;
  readonly windowMs: number;
}

/**
 * Closed loop straight to each sim: 2 × max_num_seqs workers per backend keep its queue non-empty; count the
 * completions that land in [warmupMs, warmupMs + windowMs]. Requests still open at the end are cut off.
 */
export async function probeCapacity(
  targets: readonly StreamTarget[],
  workersPer: readonly number[],
  workload: Workload,
  random: Random,
  warmupMs: number,
  windowMs: number,
): Promise<CapacityProbe> {
  const client = createStreamClient();
  const start = performance.now();
  const from = start + warmupMs;
  const to = from + windowMs;
  const completions = targets.map(() => 0);
  let sequence = 0;
  const worker = async (backend: number): Promise<void> => {
    const target = targets[backend]!;
    while (performance.now() < to) {
      const maxTokens = uniformInt(random, workload.minTokens, workload.maxTokens);
      const promptChars = uniformInt(random, workload.minPromptChars, workload.maxPromptChars);
      const body = chatBody(MODEL, promptChars, maxTokens, sequence++);
      const begun = performance.now();
      const outcome = await streamChat(client, target, body, begun, Math.max(1, to - begun + 50));
      const end = performance.now();
      if (outcome.error === null && end >= from && end <= to) completions[backend]!++;
    }
  };
  const workers: Promise<void>[] = [];
  targets.forEach((_, backend) => {
    for (let w = 0; w < (workersPer[backend] ?? 1); w++) workers.push(worker(backend));
  });
  await Promise.all(workers);
  await client.destroy();
  const perBackendRps = completions.map((count) => (count * 1000) / windowMs);
  return { perBackendRps, totalRps: perBackendRps.reduce((a, b) => a + b, 0), windowMs };
}

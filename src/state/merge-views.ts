import type { StateView } from './router-state.ts';

type Totals = StateView['totals'];

/**
 * One view from every shard's: backends concatenated (each backend lives in exactly one shard), counters
 * and histogram buckets summed (all shards use the core's same bucket bounds).
 */
export function mergeViews(views: readonly StateView[]): StateView {
  const [first, ...rest] = views;
  if (!first) throw new Error('mergeViews needs at least one view');
  let totals: Totals = first.totals;
  for (const view of rest) totals = addTotals(totals, view.totals);
  // Each model's index lives in its own shard, so they concatenate like the backends.
  const prefixIndexes = views.flatMap((view) => view.prefixIndexes ?? []);
  const store = views.find((view) => view.store)?.store;
  return {
    backends: views.flatMap((view) => view.backends),
    totals,
    prefixIndexes,
    ...(store ? { store } : {}),
  };
}

function addTotals(a: Totals, b: Totals): Totals {
  return {
    requests: a.requests + b.requests,
    successes: a.successes + b.successes,
    failures: a.failures + b.failures,
    clientErrors: a.clientErrors + b.clientErrors,
    rejected: a.rejected + b.rejected,
    clientGone: a.clientGone + b.clientGone,
    attempts: a.attempts + b.attempts,
    latencyBuckets: a.latencyBuckets,
    latencyCumulative: addArrays(a.latencyCumulative, b.latencyCumulative),
    latencySum: a.latencySum + b.latencySum,
    ttftCumulative: addArrays(a.ttftCumulative, b.ttftCumulative),
    ttftSum: a.ttftSum + b.ttftSum,
    ttftCount: a.ttftCount + b.ttftCount,
  };
}

function addArrays(a: readonly number[], b: readonly number[]): number[] {
  return a.map((value, i) => value + (b[i] ?? 0));
}

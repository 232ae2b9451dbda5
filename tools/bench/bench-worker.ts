import { createSeededRandom } from '../../src/index.ts';
import { type BenchConfig, BenchConfigSchema, type Side, type Target } from './bench-config.ts';
import { type JsonObject, readDataset } from './dataset.ts';
import { errorText } from './error-kind.ts';
import { sendLlmRequest } from './llm-request.ts';
import { LoadGenerator, type LoadPlan } from './load-generator.ts';
import { RequestSource } from './request-source.ts';
import { createRequestTarget, requestHeaders } from './request-target.ts';
import { RunStats } from './run-stats.ts';
import { type Channel, type FromWorker, type PhaseOrder, shareOf, type ToWorker } from './worker-protocol.ts';

/** Epoch milliseconds with sub-millisecond resolution, comparable across processes on one machine. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

const TICK_MS = 1000;

interface Prepared {
  readonly config: BenchConfig;
  readonly index: number;
  readonly count: number;
  readonly targets: Map<Side, ReturnType<typeof prepareTarget>>;
}

function prepareTarget(
  config: BenchConfig,
  side: Side,
  target: Target,
  dataset: readonly JsonObject[] | null,
  index: number,
  count: number,
) {
  // A closed loop never needs more sockets than its share; an open loop opens what its arrivals need.
  const owned = createRequestTarget({
    url: target.url,
    connections:
      config.load.kind === 'closed' ? Math.max(1, shareOf(config.load.concurrency, index, count)) : null,
    timeoutMs: config.request.timeoutS * 1000,
    headers: requestHeaders({
      stream: config.request.stream,
      apiKey: config.request.apiKey,
      extra: config.request.headers,
    }),
  });
  const salt = side === 'router' ? 0 : 1_000_003;
  const source = new RequestSource({
    shape: config.request,
    model: target.model,
    pathPrefix: owned.pathPrefix,
    dataset,
    sample: config.sampleDataset,
    random: createSeededRandom((config.seed + index * 7919 + salt) >>> 0),
    offset: dataset ? Math.floor((index * dataset.length) / count) : index * 1_000_000,
  });
  return { target: owned.target, source, close: owned.close };
}

/** Longest wait for the priming requests; the preflight already showed the targets answer. */
const PRIME_TIMEOUT_MS = 10_000;

/**
 * One unmeasured one-token request per target before the load: the first requests of a cold process
 * otherwise pay for compiling the client's code paths (tens of ms when many start at once).
 */
async function prime(targets: readonly ReturnType<typeof prepareTarget>[]): Promise<void> {
  const requests = targets.map((entry) => sendLlmRequest(entry.target, entry.source.primer(), epochNow));
  const timer = setTimeout(() => {
    for (const request of requests) request.cancel();
  }, PRIME_TIMEOUT_MS);
  await Promise.all(requests.map((request) => request.done));
  clearTimeout(timer);
}

/**
 * One worker of `llm-router bench`: receives the run's config, then runs each phase it is ordered to
 * with its share of the load, reporting the measured requests once a second. Runs in a child process
 * (`llm-router bench --worker`, over IPC) or in the coordinator's own process when one worker suffices.
 */
export function serveWorker(channel: Channel<FromWorker, ToWorker>, onExit: () => void): void {
  let prepared: Prepared | null = null;
  let current: LoadGenerator | null = null;
  let stopRequested = false;

  const runPhase = async (state: Prepared, order: PhaseOrder): Promise<void> => {
    const { config, index, count } = state;
    const entry = state.targets.get(order.side)!;
    const wait = order.startAt - epochNow();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const load =
      config.load.kind === 'closed'
        ? { kind: 'closed' as const, concurrency: shareOf(config.load.concurrency, index, count) }
        : { ...config.load, rate: config.load.rate / count };
    const plan: LoadPlan = {
      shape: load,
      requests: order.requests === null ? null : shareOf(order.requests, index, count),
      durationMs: order.durationMs,
      rampUpMs: config.rampUpS * 1000,
      warmupMs: order.warmupMs,
      arrivalOffsetMs: config.load.kind === 'open' ? (index * 1000) / config.load.rate : 0,
    };
    let stats = new RunStats(order.originAt);
    const generator = new LoadGenerator({
      target: entry.target,
      source: entry.source,
      plan,
      random: createSeededRandom((config.seed * 31 + index + (order.side === 'router' ? 0 : 17)) >>> 0),
      now: epochNow,
      onResult: (result, measured) => {
        if (measured) stats.record(result);
      },
    });
    const skip = (load.kind === 'closed' && load.concurrency === 0) || plan.requests === 0 || stopRequested;
    current = generator;
    const ticker = setInterval(() => {
      channel.send({ type: 'tick', side: order.side, stats: stats.toJSON(), inFlight: generator.inFlight });
      stats = new RunStats(order.originAt);
    }, TICK_MS);
    try {
      if (!skip) await generator.run();
    } finally {
      clearInterval(ticker);
      current = null;
    }
    channel.send({
      type: 'phase-done',
      side: order.side,
      stats: stats.toJSON(),
      peakInFlight: generator.peakInFlight,
    });
  };

  channel.onMessage((message) => {
    switch (message.type) {
      case 'start': {
        const parsed = BenchConfigSchema.safeParse(message.config);
        if (!parsed.success) {
          channel.send({ type: 'fatal', message: `bad worker config: ${parsed.error.message}` });
          return;
        }
        const config = parsed.data;
        const dataset = config.request.dataset
          ? readDataset(config.request.dataset, config.request.endpoint)
          : Promise.resolve(null);
        dataset.then(
          (lines) => {
            const targets = new Map<Side, ReturnType<typeof prepareTarget>>();
            targets.set(
              'router',
              prepareTarget(config, 'router', config.target, lines, message.index, message.count),
            );
            if (config.direct)
              targets.set(
                'direct',
                prepareTarget(config, 'direct', config.direct, lines, message.index, message.count),
              );
            prepared = { config, index: message.index, count: message.count, targets };
            return prime([...targets.values()]).then(() => channel.send({ type: 'ready' }));
          },
          (error: unknown) => channel.send({ type: 'fatal', message: errorText(error) }),
        );
        return;
      }
      case 'phase': {
        const state = prepared;
        if (!state) {
          channel.send({ type: 'fatal', message: 'phase before start' });
          return;
        }
        runPhase(state, message.phase).catch((error: unknown) =>
          channel.send({ type: 'fatal', message: errorText(error) }),
        );
        return;
      }
      case 'stop':
        stopRequested = true;
        current?.stop();
        return;
      case 'exit': {
        const targets = prepared ? [...prepared.targets.values()] : [];
        void Promise.allSettled(targets.map((entry) => entry.close())).then(onExit);
        return;
      }
      default: {
        const never: never = message;
        throw new Error(`unknown message ${JSON.stringify(never)}`);
      }
    }
  });
}

import type { ErrorKind } from './error-kind.ts';
import { HdrHistogram, type HistogramData } from './hdr-histogram.ts';
import type { RequestResult } from './llm-request.ts';

/** One second of the time series (by completion time). */
interface Second {
  ok: number;
  errors: number;
  outputTokens: number;
  readonly ttft: HdrHistogram;
  readonly latency: HdrHistogram;
}

/** Plain-JSON form of `RunStats`, sent by workers once a second (the records since the last one). */
export interface RunStatsData {
  readonly ok: number;
  readonly failed: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly clumped: number;
  readonly errors: Readonly<Record<string, number>>;
  /** One message per error kind, the first seen. */
  readonly errorSamples: Readonly<Record<string, string>>;
  readonly ttft: HistogramData;
  readonly itl: HistogramData;
  readonly latency: HistogramData;
  readonly seconds: readonly (readonly [number, SecondData])[];
  /** Epoch ms of the last measured request's end (0 when none). */
  readonly lastEndAt: number;
  /** Epoch ms of the first and last measured request's start (0 when none). */
  readonly firstStartAt: number;
  readonly lastStartAt: number;
}

interface SecondData {
  readonly ok: number;
  readonly errors: number;
  readonly outputTokens: number;
  readonly ttft: HistogramData;
  readonly latency: HistogramData;
}

/** Histograms record microseconds: 3 significant digits from 1 µs up. */
const US_PER_MS = 1000;

/**
 * The measured requests of a run (or of one worker since its last report): counts, token totals,
 * error breakdown, TTFT / inter-token / end-to-end histograms and a per-second series. Merging two is
 * exact, so the coordinator's figures are those of every request of every worker.
 */
export class RunStats {
  ok = 0;
  failed = 0;
  promptTokens = 0;
  outputTokens = 0;
  clumped = 0;
  lastEndAt = 0;
  firstStartAt = 0;
  lastStartAt = 0;
  readonly errors = new Map<string, number>();
  readonly errorSamples = new Map<string, string>();
  readonly ttft = new HdrHistogram();
  readonly itl = new HdrHistogram();
  readonly latency = new HdrHistogram();
  readonly seconds = new Map<number, Second>();

  /** `originAt`: epoch ms of second 0 of the time series. */
  constructor(readonly originAt: number) {}

  get total(): number {
    return this.ok + this.failed;
  }

  record(result: RequestResult): void {
    const endAt = result.startedAt + result.latencyMs;
    if (endAt > this.lastEndAt) this.lastEndAt = endAt;
    this.#started(result.startedAt, result.startedAt);
    const second = this.#second(Math.floor((endAt - this.originAt) / 1000));
    this.promptTokens += result.promptTokens;
    if (result.errorKind !== null) {
      this.failed++;
      second.errors++;
      this.#countError(result.errorKind, 1, result.error ?? '');
      return;
    }
    this.ok++;
    this.outputTokens += result.outputTokens;
    this.clumped += result.clumped;
    second.ok++;
    second.outputTokens += result.outputTokens;
    const latency = result.latencyMs * US_PER_MS;
    this.latency.record(latency);
    second.latency.record(latency);
    if (result.ttftMs !== null) {
      const ttft = result.ttftMs * US_PER_MS;
      this.ttft.record(ttft);
      second.ttft.record(ttft);
    }
    for (const gap of result.itlMs) this.itl.record(gap * US_PER_MS);
  }

  merge(data: RunStatsData): void {
    this.ok += data.ok;
    this.failed += data.failed;
    this.promptTokens += data.promptTokens;
    this.outputTokens += data.outputTokens;
    this.clumped += data.clumped;
    this.lastEndAt = Math.max(this.lastEndAt, data.lastEndAt);
    if (data.ok + data.failed > 0) this.#started(data.firstStartAt, data.lastStartAt);
    for (const [kind, count] of Object.entries(data.errors))
      this.#countError(kind, count, data.errorSamples[kind] ?? '');
    this.ttft.merge(data.ttft);
    this.itl.merge(data.itl);
    this.latency.merge(data.latency);
    for (const [index, other] of data.seconds) {
      const second = this.#second(index);
      second.ok += other.ok;
      second.errors += other.errors;
      second.outputTokens += other.outputTokens;
      second.ttft.merge(other.ttft);
      second.latency.merge(other.latency);
    }
  }

  toJSON(): RunStatsData {
    return {
      ok: this.ok,
      failed: this.failed,
      promptTokens: this.promptTokens,
      outputTokens: this.outputTokens,
      clumped: this.clumped,
      errors: Object.fromEntries(this.errors),
      errorSamples: Object.fromEntries(this.errorSamples),
      ttft: this.ttft.toJSON(),
      itl: this.itl.toJSON(),
      latency: this.latency.toJSON(),
      seconds: [...this.seconds].map(
        ([index, s]) =>
          [
            index,
            {
              ok: s.ok,
              errors: s.errors,
              outputTokens: s.outputTokens,
              ttft: s.ttft.toJSON(),
              latency: s.latency.toJSON(),
            },
          ] as const,
      ),
      lastEndAt: this.lastEndAt,
      firstStartAt: this.firstStartAt,
      lastStartAt: this.lastStartAt,
    };
  }

  #started(first: number, last: number): void {
    if (this.firstStartAt === 0 || first < this.firstStartAt) this.firstStartAt = first;
    if (last > this.lastStartAt) this.lastStartAt = last;
  }

  #countError(kind: ErrorKind | string, count: number, sample: string): void {
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + count);
    if (!this.errorSamples.has(kind) && sample !== '') this.errorSamples.set(kind, sample.slice(0, 300));
  }

  #second(index: number): Second {
    let second = this.seconds.get(index);
    if (!second) {
      second = { ok: 0, errors: 0, outputTokens: 0, ttft: new HdrHistogram(), latency: new HdrHistogram() };
      this.seconds.set(index, second);
    }
    return second;
  }
}

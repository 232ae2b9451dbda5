import type { LiveSample } from './bench-run.ts';
import type { HdrHistogram } from './hdr-histogram.ts';
import type { RunStats } from './run-stats.ts';

const BARS = '▁▂▃▄▅▆▇█';
const SPARK_WIDTH = 40;
/** Non-TTY output: one line every this many samples (samples come about once a second). */
const PLAIN_EVERY = 5;

/** A sparkline of the last values, scaled to their maximum. */
export function sparkline(values: readonly number[], width = SPARK_WIDTH): string {
  const shown = values.slice(-width);
  const max = Math.max(0, ...shown);
  if (max === 0) return BARS[0]!.repeat(shown.length);
  return shown
    .map((v) => BARS[Math.min(BARS.length - 1, Math.floor((v / max) * (BARS.length - 1)))]!)
    .join('');
}

const fixed = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const msOf = (histogram: HdrHistogram, p: number): string => fixed(histogram.percentile(p) / 1000);
const count = (n: number): string => n.toLocaleString('en-US');

function percentileLine(name: string, histogram: HdrHistogram): string {
  return `  ${name.padEnd(11)} p50 ${msOf(histogram, 50).padStart(8)}  p90 ${msOf(histogram, 90).padStart(8)}  p99 ${msOf(histogram, 99).padStart(8)}  max ${fixed(histogram.max() / 1000).padStart(8)}`;
}

function errorsLine(stats: RunStats): string {
  if (stats.errors.size === 0) return '  errors      none';
  const parts = [...stats.errors].sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${kind} ${count(n)}`);
  return `  errors      ${parts.join(', ')}`;
}

/** Requests (ok) finished in each whole second so far. */
function perSecond(stats: RunStats, elapsedS: number): number[] {
  const last = Math.floor(elapsedS) - 1;
  const out: number[] = [];
  for (let t = Math.max(0, last - SPARK_WIDTH + 1); t <= last; t++) out.push(stats.seconds.get(t)?.ok ?? 0);
  return out;
}

/**
 * The live view: on a terminal a block redrawn in place about once a second (rates, percentiles,
 * in-flight, errors, a throughput sparkline); otherwise a plain progress line every few seconds, which
 * reads well in CI logs and files.
 */
export class LiveView {
  #lines = 0;
  #samples = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly tty: boolean,
    private readonly label: string,
  ) {}

  update(sample: LiveSample): void {
    const { stats } = sample;
    const rates = perSecond(stats, sample.elapsedS);
    const lastRate = rates.at(-1) ?? 0;
    const lastTokens = stats.seconds.get(Math.floor(sample.elapsedS) - 1)?.outputTokens ?? 0;
    const t = Math.max(0, Math.floor(sample.elapsedS));
    if (!this.tty) {
      if (this.#samples++ % PLAIN_EVERY !== 0) return;
      this.write(
        `[${t}s] ${sample.side}: ok ${stats.ok} failed ${stats.failed} in-flight ${sample.inFlight} ` +
          `${lastRate} req/s ${lastTokens} tok/s ttft p50 ${msOf(stats.ttft, 50)} ms ` +
          `latency p50 ${msOf(stats.latency, 50)} p99 ${msOf(stats.latency, 99)} ms\n`,
      );
      return;
    }
    const lines = [
      `llm-router bench  ${this.label}  ${sample.side}  phase ${sample.phase}  t=${t}s  in flight ${count(sample.inFlight)}`,
      `  requests    ok ${count(stats.ok)}  failed ${count(stats.failed)}  ${count(lastRate)} req/s  ${count(lastTokens)} output tok/s`,
      percentileLine('TTFT ms', stats.ttft),
      percentileLine('ITL ms', stats.itl),
      percentileLine('latency ms', stats.latency),
      errorsLine(stats),
      `  req/s       ${sparkline(rates)}`,
    ];
    const clear = this.#lines > 0 ? `\x1b[${this.#lines}A\x1b[J` : '';
    this.#lines = lines.length;
    this.write(`${clear}${lines.join('\n')}\n`);
  }

  note(text: string): void {
    this.#lines = 0;
    this.write(`${text}\n`);
  }
}

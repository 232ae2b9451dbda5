/** vLLM's bucket bounds for `time_to_first_token_seconds`, so scrapers see a familiar series set. */
export const TTFT_BUCKETS: readonly number[] = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640,
  2560,
];

/**
 * Cumulative-on-render histogram: observe() bumps one bucket (O(buckets) worst case, no allocation),
 * render() turns it into Prometheus `_bucket/_sum/_count` lines. It exists only for realism; routers must
 * ignore it.
 */
export class TtftHistogram {
  private readonly counts = new Array<number>(TTFT_BUCKETS.length + 1).fill(0);
  private sum = 0;
  private count = 0;

  observe(seconds: number): void {
    let i = 0;
    while (i < TTFT_BUCKETS.length && seconds > (TTFT_BUCKETS[i] ?? Number.POSITIVE_INFINITY)) i++;
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.sum += seconds;
    this.count++;
  }

  render(name: string, labels: string): string {
    const lines: string[] = [];
    let cumulative = 0;
    for (let i = 0; i <= TTFT_BUCKETS.length; i++) {
      cumulative += this.counts[i] ?? 0;
      const bound = i < TTFT_BUCKETS.length ? promFloat(TTFT_BUCKETS[i] ?? 0) : '+Inf';
      lines.push(`${name}_bucket{${labels},le="${bound}"} ${promFloat(cumulative)}`);
    }
    lines.push(`${name}_sum{${labels}} ${promFloat(this.sum)}`);
    lines.push(`${name}_count{${labels}} ${promFloat(this.count)}`);
    return lines.join('\n');
  }
}

/** Formats like Python's prometheus_client (`2.0`, `0.25`), which is what real engines expose. */
export function promFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

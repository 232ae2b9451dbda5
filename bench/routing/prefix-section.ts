import { pct, ratio } from '../lib/table.ts';
import { measureAffinityCpu, printAffinityCpu } from './affinity-cpu.ts';
import { prefixTable } from './prefix-table.ts';
import { PREFIX_DISPATCHERS, prefixRow, printPrefixVirtual, runPrefixVirtual } from './prefix-virtual.ts';
import { prefixArrivals, prefixCapacity, prefixFleet, SHARED_PREFIX_WORKLOAD } from './prefix-workload.ts';
import { stream } from './prng.ts';
import { out } from './report.ts';
import type { RunSummary } from './run-summary.ts';
import { runScenario, type ScenarioResult } from './scenario.ts';
import { compact, type Section, type SectionContext } from './section.ts';
import { ratioTarget, type TargetCheck } from './targets.ts';

const p50 = (s: RunSummary) => s.ttft.p50;
const p99 = (s: RunSummary) => s.ttft.p99;

/**
 * Issue 17's scenario: a homogeneous fleet whose engines cache prompt prefixes, many groups of requests
 * sharing long system prompts (Zipf-hot), Poisson at a load where random placement is heavy and good
 * locality comfortable. Live (fresh sims and router per dispatcher), then in virtual time over many seeds
 * with a hot-prefix variant; then the CPU cache-aware adds per request.
 */
export async function prefixSection(ctx: SectionContext, replayToo: boolean): Promise<Section> {
  const { flags } = ctx;
  const specs = prefixFleet();
  const workload = SHARED_PREFIX_WORKLOAD;
  const capacity = prefixCapacity(specs, workload);
  const rate = flags.prefixLoad * capacity.miss;
  const schedule = prefixArrivals(stream(flags.seed, 11), rate, flags.durationS * 1000, workload);
  const dispatchers = PREFIX_DISPATCHERS.filter((d) => flags.dispatchers.includes(d));
  out();
  out(
    `shared-prefix: ${specs.length} equal engines caching ${specs[0]!.options.prefixCacheTokens} prompt tokens each; ` +
      `${workload.groups} groups of ${workload.prefixChars / 4}-token system prompts (Zipf ${workload.zipf}), ` +
      `${rate.toFixed(1)} req/s = ${flags.prefixLoad} x the capacity when every prefill misses ` +
      `(${capacity.miss.toFixed(1)}; ${capacity.hit.toFixed(1)} when every one hits), ${flags.durationS} s`,
  );
  const runs: ScenarioResult[] = [];
  for (const dispatch of dispatchers) {
    out(`  shared-prefix via ${dispatch} ...`);
    runs.push(await runScenario(dispatch, dispatch, ctx.fleet, specs, workload, schedule, ctx.settings));
  }
  printLive(
    runs,
    specs.map((spec) => spec.name),
  );
  const live = (d: string) => runs.find((r) => r.summary.name === d)?.summary;
  const targets: TargetCheck[] = [
    ratioTarget(
      'shared-prefix: cache-aware TTFT p50 <= 0.5x least-waiting (live)',
      live('cache-aware'),
      live('least-waiting'),
      p50,
      0.5,
    ),
    ratioTarget(
      'shared-prefix: cache-aware TTFT p99 <= least-waiting (live)',
      live('cache-aware'),
      live('least-waiting'),
      p99,
      1,
    ),
    ratioTarget(
      'shared-prefix: cache-aware TTFT p99 <= 1.3x oracle (live)',
      live('cache-aware'),
      live('oracle'),
      p99,
      1.3,
    ),
  ];
  const result: Record<string, unknown> = {
    workload,
    rateRps: rate,
    capacity,
    runs: runs.map((r) => ({
      ...compact(r),
      hotspot: r.hotspot,
      cache: r.cache,
      prefixIndexes: r.prefixIndexes,
    })),
  };
  if (replayToo) {
    const settings = {
      seeds: flags.prefixSeeds,
      durationS: flags.virtualDurationS,
      load: flags.prefixLoad,
      collectIntervalS: flags.collectInterval,
    };
    const virtual = await runPrefixVirtual(settings);
    printPrefixVirtual(virtual, settings);
    result.virtual = { settings, scenarios: virtual };
    const span = `virtual, ${settings.seeds} x ${settings.durationS} s`;
    const row = (scenario: string, name: string) => prefixRow(virtual, scenario, name);
    const ca = row('shared-prefix', 'cache-aware');
    const lw = row('shared-prefix', 'least-waiting');
    targets.push(
      ratioTarget(
        `shared-prefix: cache-aware TTFT p50 <= 0.5x least-waiting (${span})`,
        ca?.pooled,
        lw?.pooled,
        p50,
        0.5,
      ),
      ratioTarget(
        `shared-prefix: cache-aware TTFT p99 <= least-waiting (${span})`,
        ca?.pooled,
        lw?.pooled,
        p99,
        1,
      ),
      ratioTarget(
        `shared-prefix: cache-aware TTFT p99 <= 1.3x oracle (${span})`,
        ca?.pooled,
        row('shared-prefix', 'oracle')?.pooled,
        p99,
        1.3,
      ),
    );
    const hot = row('hot-prefix', 'cache-aware');
    if (hot) {
      const fair = Math.max(...hot.pooled.shares) * hot.pooled.shares.length;
      const hotspot = hot.stats.hotspotArrivals / Math.max(1, hot.stats.arrivals);
      targets.push({
        target: `hot-prefix: no engine above 1.3x its fair share, none queueing while another idles (<1% of arrivals, ${span})`,
        value: `max/fair ${ratio(fair)}, hotspot ${pct(hotspot)}`,
        met: fair <= 1.3 && hotspot < 0.01,
      });
    }
    const indexes = virtual.flatMap((s) => s.rows.filter((r) => r.stats.indexCapacity > 0));
    targets.push({
      target: `cache-aware: prefix index within its cap over the replay (${span})`,
      value: indexes.map((r) => `${r.stats.indexEntries}/${r.stats.indexCapacity}`).join(', '),
      met: indexes.length === 0 ? null : indexes.every((r) => r.stats.indexEntries <= r.stats.indexCapacity),
    });
    const cpu = measureAffinityCpu();
    printAffinityCpu(cpu);
    result.cpu = cpu;
    const [scan, hashed] = cpu.rows;
    targets.push({
      target: 'cache-aware: hashing a 100 KB prompt within 10x the model byte scan (Node)',
      value: `${hashed!.buffer.toFixed(1)} µs vs ${scan!.buffer.toFixed(1)} µs (${ratio(hashed!.buffer / scan!.buffer)})`,
      met: hashed!.buffer <= 10 * scan!.buffer,
    });
  }
  return { result, targets };
}

function printLive(runs: readonly ScenarioResult[], names: readonly string[]): void {
  out();
  out('shared-prefix (live)');
  out(
    prefixTable(
      runs.map((r) => ({
        summary: r.summary,
        hitRate: r.cache.queries === 0 ? 0 : r.cache.hits / r.cache.queries,
        hotspot: r.hotspot,
        index: r.prefixIndexes[0] ?? null,
      })),
      names,
    ),
  );
  out('hotspot: share of the 4 Hz samples with one sim queueing while another was idle');
}

import { formatTable, ms, pct, ratio } from '../lib/table.ts';
import { poissonArrivals } from './arrivals.ts';
import { heterogeneousFleet, POISSON_WORKLOAD } from './fleet-spec.ts';
import { stream } from './prng.ts';
import { out, printLag } from './report.ts';
import { runScenario } from './scenario.ts';
import { compact, type Section, type SectionContext } from './section.ts';

/** fast-b serves no /metrics; under least-waiting it must still get its twin's (fast-a's) share. */
export async function noMetricsSection(ctx: SectionContext): Promise<Section> {
  const { flags, het, specs } = ctx;
  const schedule = poissonArrivals(
    stream(flags.seed, 4),
    het.rateRps,
    flags.sideDurationS * 1000,
    POISSON_WORKLOAD,
  );
  out();
  out(`  running least-waiting with fast-b behind a /metrics-404 proxy (${schedule.length} requests) ...`);
  const run = await runScenario(
    'least-waiting, fast-b no /metrics',
    'least-waiting',
    ctx.fleet,
    heterogeneousFleet('fast-b'),
    POISSON_WORKLOAD,
    schedule,
    ctx.settings,
  );
  const s = run.summary;
  const [twin, bare] = [s.shares[0]!, s.shares[1]!];
  const bView = run.routerView?.find((b) => b.id.endsWith(`@${run.apiBases[1]}`));
  out();
  out('no-metrics: fast-b answers 404 on /metrics (a proxy in front of its sim); fast-a is its twin');
  out(
    formatTable(
      ['scenario', 'TTFT p99', 'e2e p99', 'errors', ...specs.map((spec) => spec.name), 'fast-b / fast-a'],
      [[s.name, ms(s.ttft.p99), ms(s.e2e.p99), String(s.errors), ...s.shares.map(pct), ratio(bare / twin)]],
    ),
  );
  out(
    `router's view of fast-b at the end: ${
      bView === undefined
        ? 'not found'
        : bView.scrapedWaiting === null
          ? 'no engine metrics (scored on its in-flight count)'
          : `scraped waiting ${bView.scrapedWaiting} (metrics present?)`
    }`,
  );
  if (s.errorSamples.length > 0) out(`errors: ${s.errorSamples.join('; ')}`);
  printLag([run]);
  return {
    result: compact(run),
    targets: [
      {
        target: 'metric-less backend gets a fair share (0.8-1.25x its twin)',
        value: `${pct(bare)} vs ${pct(twin)} (${ratio(bare / twin)})`,
        // Shares mean nothing when most requests failed (e.g. a broken router build): no verdict.
        met: s.errors > s.requests / 10 ? null : bare / twin >= 0.8 && bare / twin <= 1.25,
      },
    ],
  };
}

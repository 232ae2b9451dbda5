import { ratio } from '../lib/table.ts';
import { burstArrivals } from './arrivals.ts';
import { BURST_WORKLOAD, equalFleet } from './fleet-spec.ts';
import { isOracle } from './oracle.ts';
import { stream } from './prng.ts';
import { out, printBurst } from './report.ts';
import { runScenario, type ScenarioResult } from './scenario.ts';
import { compact, type Section, type SectionContext } from './section.ts';

/** A burst on an idle fleet of four equal backends: no backend may get more than 1.2× its fair share. */
export async function burstSection(ctx: SectionContext): Promise<Section> {
  const { flags } = ctx;
  const specs = equalFleet();
  const schedule = burstArrivals(stream(flags.seed, 3), flags.burst, flags.burstWindowMs, BURST_WORKLOAD);
  const bursts: ScenarioResult[] = [];
  out();
  for (const dispatch of flags.dispatchers) {
    out(`  burst: ${flags.burst} requests in ${flags.burstWindowMs} ms via ${dispatch} ...`);
    bursts.push(
      await runScenario(dispatch, dispatch, ctx.fleet, specs, BURST_WORKLOAD, schedule, ctx.settings),
    );
  }
  out();
  printBurst(
    bursts,
    specs.map((spec) => spec.name),
    `burst: ${flags.burst} requests within ${flags.burstWindowMs} ms on 4 equal idle backends (fair share 25%)`,
  );
  const routed = bursts.filter((b) => !isOracle(b.summary.name));
  const worst =
    routed.length === 0 ? Number.NaN : Math.max(...routed.map((b) => Math.max(...b.summary.shares) * 4));
  return {
    result: { fleet: specs, runs: bursts.map(compact) },
    targets: [
      {
        target: 'burst: no backend > 1.2x its fair share (every strategy)',
        value: routed.length === 0 ? 'not run' : `worst ${ratio(worst)}`,
        met: routed.length === 0 ? null : worst <= 1.2,
      },
    ],
  };
}

import { FLEETS, type FleetName } from './fleet-spec.ts';
import { runLiveFleet } from './live-fleet.ts';
import { compact, IDEAL_BOUND, type Section, type SectionContext, SIDE_DISPATCHERS } from './section.ts';
import { p99E2e, p99Ttft, ratioTarget } from './targets.ts';

/**
 * Another fleet live (`independent`: the shape of the independent run the issue cites; `homogeneous`:
 * equal engines, where speed awareness must cost nothing), each side dispatcher for --side-duration.
 */
export async function fleetSection(ctx: SectionContext, name: FleetName): Promise<Section> {
  const { flags } = ctx;
  const dispatchers = flags.dispatchers.filter((d) => SIDE_DISPATCHERS.includes(d));
  const run = await runLiveFleet(
    ctx.fleet,
    name,
    FLEETS[name](),
    dispatchers,
    flags.sideDurationS,
    flags.load,
    ctx.settings,
  );
  const live = (d: string) => run.runs.find((r) => r.summary.name === d)?.summary;
  const lw = live('least-waiting');
  return {
    result: { capacity: run.probe, rateRps: run.rateRps, runs: run.runs.map(compact) },
    targets: [
      ratioTarget(
        `${name}: least-waiting p99 TTFT <= 1.2x ideal (live)`,
        lw,
        live('ideal'),
        p99Ttft,
        IDEAL_BOUND,
      ),
      ratioTarget(
        `${name}: least-waiting e2e p99 <= 1.2x ideal (live)`,
        lw,
        live('ideal'),
        p99E2e,
        IDEAL_BOUND,
      ),
    ],
  };
}

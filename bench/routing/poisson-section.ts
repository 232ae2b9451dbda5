import { formatTable, ms, pct, ratio } from '../lib/table.ts';
import { POISSON_WORKLOAD } from './fleet-spec.ts';
import { out } from './report.ts';
import { summarise } from './run-summary.ts';
import { compact, IDEAL_BOUND, type Section, type SectionContext } from './section.ts';
import { p99E2e, p99Ttft, ratioTarget } from './targets.ts';
import { loadRouterCore, replay } from './virtual.ts';

/**
 * The heterogeneous fleet's live runs (already made by runLiveFleet): the oracle's counter check, the same
 * arrivals replayed in virtual time beside them, and the targets against the ideal and the oracle.
 */
export async function poissonSection(ctx: SectionContext, replayToo: boolean): Promise<Section> {
  const { flags, het, specs } = ctx;
  const { runs } = het;
  const oracleRun = runs.find((r) => r.summary.name === 'oracle');
  if (oracleRun) {
    out(
      `oracle counter vs sims' running+waiting: largest gap ${oracleRun.oracleCounterMaxGap} request(s) ` +
        'over the 4 Hz samples',
    );
  }
  let replays: ReturnType<typeof summarise>[] = [];
  if (replayToo) {
    const core = await loadRouterCore(flags.routerRoot);
    replays = flags.dispatchers.map((dispatch) =>
      summarise(
        dispatch,
        replay({
          specs,
          workload: POISSON_WORKLOAD,
          schedule: het.schedule,
          dispatch,
          seed: flags.seed,
          collectIntervalS: flags.collectInterval,
          scrapeDelayMs: 2,
          core,
        }),
        specs.length,
        0,
      ),
    );
    const ideal = replays.find((r) => r.name === 'ideal');
    out();
    out(
      'the same arrivals replayed in virtual time (router state + strategy code, no sockets, no CPU contention)',
    );
    out(
      formatTable(
        [
          'dispatcher',
          'TTFT p50',
          'p90',
          'p99',
          'p99/ideal',
          'live p99',
          'e2e p99',
          ...specs.map((s) => s.name),
        ],
        replays.map((r) => [
          r.name,
          ms(r.ttft.p50),
          ms(r.ttft.p90),
          ms(r.ttft.p99),
          ideal ? ratio(r.ttft.p99 / ideal.ttft.p99) : '-',
          ms(runs.find((live) => live.summary.name === r.name)?.summary.ttft.p99 ?? Number.NaN),
          ms(r.e2e.p99),
          ...r.shares.map(pct),
        ]),
      ),
    );
  }
  const live = (name: string) => runs.find((r) => r.summary.name === name)?.summary;
  const lw = live('least-waiting');
  return {
    result: { requests: het.schedule.length, runs: runs.map(compact), replays },
    targets: [
      ratioTarget('least-waiting p99 TTFT <= 1.2x ideal (live)', lw, live('ideal'), p99Ttft, IDEAL_BOUND),
      ratioTarget('least-waiting e2e p99 <= 1.2x ideal (live)', lw, live('ideal'), p99E2e, IDEAL_BOUND),
      ratioTarget('least-waiting p99 TTFT <= 1.3x oracle (live)', lw, live('oracle'), p99Ttft, 1.3),
      ratioTarget(
        'least-connections p99 TTFT <= 2x oracle (live)',
        live('least-connections'),
        live('oracle'),
        p99Ttft,
        2,
      ),
    ],
  };
}

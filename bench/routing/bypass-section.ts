import { pct, ratio } from '../lib/table.ts';
import { afterStart, BYPASSED, bypassPlan, STEER_PERIODS, steering } from './bypass.ts';
import { POISSON_WORKLOAD } from './fleet-spec.ts';
import { out } from './report.ts';
import { summarise } from './run-summary.ts';
import { runScenario } from './scenario.ts';
import { compact, type Section, type SectionContext, SIDE_DISPATCHERS } from './section.ts';
import type { TargetCheck } from './targets.ts';
import { printBypass } from './virtual-report.ts';

/** The bypassed engine's routed share, once settled, at most this × the ideal's. */
const BYPASS_BOUND = 1.25;

/** Another client sends fast-a work directly, from a third of the run on: least-waiting must steer around it. */
export async function bypassSection(ctx: SectionContext): Promise<Section> {
  const { flags, het, specs } = ctx;
  const plan = bypassPlan(
    flags.seed,
    het.models,
    flags.load,
    flags.sideDurationS * 1000,
    POISSON_WORKLOAD,
    flags.collectInterval,
    het.probe.totalRps,
  );
  out();
  const runs = [];
  for (const dispatch of flags.dispatchers.filter((d) => SIDE_DISPATCHERS.includes(d))) {
    out(
      `  bypass: ${plan.routed.length} routed + ${plan.direct.schedule.length} direct requests via ${dispatch} ...`,
    );
    const run = await runScenario(
      dispatch,
      dispatch,
      ctx.fleet,
      specs,
      POISSON_WORKLOAD,
      plan.routed,
      ctx.settings,
      plan.direct,
    );
    runs.push(run);
  }
  const rows = runs.map((run) => ({
    name: run.summary.name,
    after: summarise(run.summary.name, afterStart(run.records, plan), specs.length, 0),
    steering: steering(run.records, plan),
  }));
  printBypass(rows, flags.collectInterval);
  const settled = (name: string) => rows.find((r) => r.name === name)?.steering.settled;
  return {
    result: { backend: BYPASSED, startMs: plan.startMs, rows, runs: runs.map(compact) },
    targets: [bypassTarget('live', settled('least-waiting'), settled('ideal'))],
  };
}

/** least-waiting's settled share to the bypassed engine against the ideal's. */
export function bypassTarget(
  span: string,
  share: number | undefined,
  ideal: number | undefined,
): TargetCheck {
  const target = `bypass: share to the bypassed engine from scrape ${STEER_PERIODS} on <= ${BYPASS_BOUND}x ideal's (${span})`;
  if (share === undefined || ideal === undefined) return { target, value: 'not run', met: null };
  return {
    target,
    value: `${pct(share)} vs ${pct(ideal)} (${ratio(share / ideal)})`,
    met: share <= BYPASS_BOUND * ideal,
  };
}

import { ms } from '../lib/table.ts';
import { type Arrival, poissonArrivals } from './arrivals.ts';
import { type CapacityProbe, probeCapacity } from './capacity.ts';
import type { Dispatch } from './dispatchers.ts';
import type { FleetMethods } from './fleet-methods.ts';
import { type EngineModel, engineModel, POISSON_WORKLOAD, type SimSpec } from './fleet-spec.ts';
import { targetOf } from './oracle.ts';
import { stream } from './prng.ts';
import { out, printFleet, printPoisson } from './report.ts';
import type { RpcChild } from './rpc.ts';
import { runScenario, type ScenarioResult, type ScenarioSettings } from './scenario.ts';

export interface LiveFleet {
  readonly models: EngineModel[];
  readonly probe: CapacityProbe;
  readonly rateRps: number;
  readonly schedule: Arrival[];
  readonly runs: ScenarioResult[];
}

/**
 * Measure a fleet's capacity closed-loop (2 × max_num_seqs workers per sim), then run the same open-loop
 * Poisson arrivals at `load` × that capacity once per dispatcher, fresh sims (and router) each time.
 */
export async function runLiveFleet(
  fleet: RpcChild<FleetMethods>,
  label: string,
  specs: readonly SimSpec[],
  dispatchers: readonly Dispatch[],
  durationS: number,
  load: number,
  settings: ScenarioSettings,
): Promise<LiveFleet> {
  const models = specs.map((spec) => engineModel(spec, POISSON_WORKLOAD));
  const { urls } = await fleet.call('start', { specs: [...specs] });
  const probe = await probeCapacity(
    urls.map(targetOf),
    models.map((m) => m.maxNumSeqs * 2),
    POISSON_WORKLOAD,
    stream(settings.seed, 2),
    4000,
    6000,
  );
  await fleet.call('stop', {});
  out();
  out(`${label} fleet`);
  printFleet(specs, models, probe);
  const modelTotal = models.reduce((a, m) => a + m.capacityRps, 0);
  out(`fleet capacity: model ${modelTotal.toFixed(2)} req/s, measured ${probe.totalRps.toFixed(2)} req/s`);
  const rateRps = load * probe.totalRps;
  const schedule = poissonArrivals(stream(settings.seed, 1), rateRps, durationS * 1000, POISSON_WORKLOAD);
  out(`arrivals: Poisson ${rateRps.toFixed(2)} req/s (${load} x measured), ${schedule.length} requests`);
  const runs: ScenarioResult[] = [];
  for (const dispatch of dispatchers) {
    out(`  running ${dispatch} ...`);
    const run = await runScenario(dispatch, dispatch, fleet, specs, POISSON_WORKLOAD, schedule, settings);
    runs.push(run);
    const s = run.summary;
    out(
      `    ${s.requests} requests, ${s.errors} errors, TTFT p99 ${ms(s.ttft.p99)}, drain ${ms(s.drainMs)}` +
        (s.errorSamples.length > 0 ? ` (${s.errorSamples.join('; ')})` : ''),
    );
  }
  out();
  printPoisson(
    runs,
    specs.map((spec) => spec.name),
    `${label}: Poisson, ${Math.round(load * 100)}% of measured capacity (${rateRps.toFixed(1)} req/s, ` +
      `${schedule.length} requests, ${durationS} s)`,
  );
  return { models, probe, rateRps, schedule, runs };
}

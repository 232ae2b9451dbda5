import { ms, pct, ratio, formatTable as table } from '../lib/table.ts';
import type { CapacityProbe } from './capacity.ts';
import type { EngineModel, SimSpec } from './fleet-spec.ts';
import type { LoopLag } from './loop-lag.ts';
import type { ScenarioResult } from './scenario.ts';
import type { TargetCheck } from './targets.ts';

/** The leading columns of every per-dispatcher TTFT table (live and virtual). */
export const TTFT_COLUMNS = ['dispatcher', 'TTFT p50', 'p90', 'p99', 'p99/oracle', 'p99/ideal'] as const;

export const out = (text = ''): void => {
  process.stdout.write(`${text}\n`);
};

export function printFleet(
  specs: readonly SimSpec[],
  models: readonly EngineModel[],
  probe: CapacityProbe,
): void {
  out(
    `fleet (capacity = max_num_seqs / mean service time; measured closed-loop over ${probe.windowMs / 1000} s)`,
  );
  out(
    table(
      ['backend', 'max_num_seqs', 'speed', 'first token', 'service', 'model req/s', 'measured req/s'],
      specs.map((spec, i) => [
        spec.name,
        String(models[i]!.maxNumSeqs),
        String(spec.options.speed ?? 1),
        ms(models[i]!.firstTokenMs),
        ms(models[i]!.serviceMs),
        models[i]!.capacityRps.toFixed(2),
        probe.perBackendRps[i]!.toFixed(2),
      ]),
    ),
  );
}

/** The main table: TTFT and e2e percentiles, ratios to the oracle and the ideal (when they ran), shares. */
export function printPoisson(runs: readonly ScenarioResult[], names: readonly string[], title: string): void {
  const oracle = runs.find((r) => r.summary.name === 'oracle')?.summary ?? null;
  const ideal = runs.find((r) => r.summary.name === 'ideal')?.summary ?? null;
  const vsOracle = (value: number, base: number | undefined) =>
    base === undefined ? '-' : ratio(value / base);
  out(title);
  out(
    table(
      [...TTFT_COLUMNS, 'e2e p99', 'e2e p99/or', 'errors', ...names],
      runs.map(({ summary: s }) => [
        s.name,
        ms(s.ttft.p50),
        ms(s.ttft.p90),
        ms(s.ttft.p99),
        vsOracle(s.ttft.p99, oracle?.ttft.p99),
        vsOracle(s.ttft.p99, ideal?.ttft.p99),
        ms(s.e2e.p99),
        vsOracle(s.e2e.p99, oracle?.e2e.p99),
        String(s.errors),
        ...s.shares.map(pct),
      ]),
    ),
  );
  out();
  out('per backend: TTFT p99 | engine queue (waiting) mean / max, sampled at 4 Hz from the sims');
  out(
    table(
      ['dispatcher', ...names],
      runs.map(({ summary: s, queues }) => [
        s.name,
        ...names.map(
          (_, i) =>
            `${ms(s.perBackendTtftP99[i]!)} | ${queues[i]!.meanWaiting.toFixed(1)} / ${queues[i]!.maxWaiting}`,
        ),
      ]),
    ),
  );
  out();
  printLag(runs);
}

function lagCell(lag: LoopLag | null): string {
  return lag === null ? '-' : `${lag.p99.toFixed(1)} / ${lag.max.toFixed(1)}`;
}

export function printLag(runs: readonly ScenarioResult[]): void {
  out("event-loop delay p99 / max (ms) per process, and the generator's send lag");
  out(
    table(
      ['dispatcher', 'load generator', 'sims', 'router', 'send lag p99', 'send lag max'],
      runs.map((r) => [
        r.summary.name,
        lagCell(r.lag.loadgen),
        lagCell(r.lag.sims),
        lagCell(r.lag.router),
        `${r.summary.sendLag.p99.toFixed(1)} ms`,
        `${r.summary.sendLag.max.toFixed(1)} ms`,
      ]),
    ),
  );
}

export function printBurst(bursts: readonly ScenarioResult[], names: readonly string[], title: string): void {
  const fair = 1 / names.length;
  out(title);
  out(
    table(
      ['dispatcher', ...names, 'max/fair', 'TTFT p99', 'errors'],
      bursts.map(({ summary: s }) => [
        s.name,
        ...s.counts.map((c, i) => `${c} (${pct(s.shares[i]!)})`),
        ratio(Math.max(...s.shares) / fair),
        ms(s.ttft.p99),
        String(s.errors),
      ]),
    ),
  );
}

export function printTargets(targets: readonly TargetCheck[]): void {
  out(
    table(
      ['target', 'value', 'met'],
      targets.map((t) => [t.target, t.value, t.met === null ? 'n/a' : t.met ? 'yes' : 'NO']),
    ),
  );
}

/**
 * Routing benchmark (issue 3): a heterogeneous simulated fleet under open-loop Poisson arrivals at a fraction
 * of its measured capacity, once per strategy and once for each reference hosted here (routing/oracle.ts: the
 * join-shortest-queue `oracle` on the sims' true queues, the targets' base, and the speed-aware `ideal`); then
 * a backend without /metrics under least-waiting, and a 500-request burst on an idle equal fleet.
 *
 *   npx tsx bench/routing.ts [--duration 30] [--load 0.8] [--seed 1] [--collect-interval 1]
 *        [--side-duration 12] [--burst 500] [--burst-window 100] [--drain-timeout 60]
 *        [--dispatchers oracle,ideal,simple-shuffle,least-connections,least-waiting]
 *        [--scenarios poisson,no-metrics,burst] [--router-root DIR]
 *
 * Processes: this one generates load and hosts the oracle; the sims run in one child, each router in its
 * own child (fresh per run), so no two of them share an event loop. `--router-root` loads the router from
 * another checkout (a patched copy) for A/B runs. Result JSON: bench/results/routing-<timestamp>.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { burstArrivals, poissonArrivals } from './routing/arrivals.ts';
import { probeCapacity } from './routing/capacity.ts';
import {
  BURST_WORKLOAD,
  engineModel,
  equalFleet,
  heterogeneousFleet,
  POISSON_WORKLOAD,
} from './routing/fleet-spec.ts';
import { isOracle, ORACLES, targetOf } from './routing/oracle.ts';
import { stream } from './routing/prng.ts';
import {
  out,
  printBurst,
  printFleet,
  printLag,
  printPoisson,
  printTargets,
  type TargetCheck,
} from './routing/report.ts';
import { STRATEGIES } from './routing/router-config.ts';
import {
  closeChild,
  type Dispatch,
  killChildrenSync,
  runScenario,
  type ScenarioResult,
  type ScenarioSettings,
  startFleetChild,
} from './routing/scenario.ts';
import { summarise } from './routing/stats.ts';
import { ms, pct, ratio, table } from './routing/table.ts';
import { loadRouterCore, replay } from './routing/virtual.ts';
import { printVirtual, runVirtual, type VirtualSettings } from './routing/virtual-report.ts';

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
const DISPATCHERS: readonly Dispatch[] = [...ORACLES, ...STRATEGIES];
const SCENARIOS = ['poisson', 'no-metrics', 'burst', 'virtual'] as const;
type Scenario = (typeof SCENARIOS)[number];

interface Flags {
  readonly durationS: number;
  readonly load: number;
  readonly seed: number;
  readonly collectInterval: number;
  readonly sideDurationS: number;
  readonly burst: number;
  readonly burstWindowMs: number;
  readonly drainTimeoutS: number;
  readonly dispatchers: Dispatch[];
  readonly scenarios: Scenario[];
  readonly routerRoot: string | null;
  readonly virtualSeeds: number;
  readonly virtualDurationS: number;
}

const USAGE = `usage: npx tsx bench/routing.ts [options]
  --duration S          Poisson run length per dispatcher (default 30)
  --load F              arrival rate as a fraction of the measured fleet capacity (default 0.8)
  --seed N              seeds arrivals, sizes, the oracle's ties and the routers' Random (default 1)
  --collect-interval S  router monitor.collect_interval (default 1, as the shipped config.yaml)
  --side-duration S     length of the no-metrics scenario (default 12)
  --burst N             burst size (default 500)
  --burst-window MS     burst spread (default 100)
  --drain-timeout S     after the last arrival, abort what is still open after this long (default 60)
  --dispatchers LIST    subset of ${DISPATCHERS.join(',')}
  --scenarios LIST      subset of ${SCENARIOS.join(',')}
  --router-root DIR     benchmark the router of another checkout (a patched copy)
  --virtual-seeds N     virtual-time replay: seeds (default 10)
  --virtual-duration S  virtual-time replay: length per seed (default 300)
`;

function listOf<T extends string>(raw: string, allowed: readonly T[], name: string): T[] {
  const items = raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) throw new RangeError(`--${name}: unknown "${item}"`);
  }
  return allowed.filter((item) => items.includes(item));
}

function parseFlags(): Flags {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '30' },
      load: { type: 'string', default: '0.8' },
      seed: { type: 'string', default: '1' },
      'collect-interval': { type: 'string', default: '1' },
      'side-duration': { type: 'string', default: '12' },
      burst: { type: 'string', default: '500' },
      'burst-window': { type: 'string', default: '100' },
      'drain-timeout': { type: 'string', default: '60' },
      dispatchers: { type: 'string', default: DISPATCHERS.join(',') },
      scenarios: { type: 'string', default: SCENARIOS.join(',') },
      'router-root': { type: 'string' },
      'virtual-seeds': { type: 'string', default: '10' },
      'virtual-duration': { type: 'string', default: '300' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const num = (name: string, raw: string, min: number, max: number): number => {
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) {
      throw new RangeError(`--${name} must be a number in [${min}, ${max}] (got ${raw})`);
    }
    return value;
  };
  return {
    durationS: num('duration', values.duration, 1, 3600),
    load: num('load', values.load, 0.01, 2),
    seed: Math.trunc(num('seed', values.seed, 0, 2 ** 32 - 1)),
    collectInterval: num('collect-interval', values['collect-interval'], 0.05, 60),
    sideDurationS: num('side-duration', values['side-duration'], 1, 3600),
    burst: Math.trunc(num('burst', values.burst, 1, 20_000)),
    burstWindowMs: num('burst-window', values['burst-window'], 0, 60_000),
    drainTimeoutS: num('drain-timeout', values['drain-timeout'], 1, 3600),
    dispatchers: listOf(values.dispatchers, DISPATCHERS, 'dispatchers'),
    scenarios: listOf(values.scenarios, SCENARIOS, 'scenarios'),
    routerRoot: values['router-root'] === undefined ? null : resolve(values['router-root']),
    virtualSeeds: Math.trunc(num('virtual-seeds', values['virtual-seeds'], 1, 1000)),
    virtualDurationS: num('virtual-duration', values['virtual-duration'], 1, 36_000),
  };
}

function compact(r: ScenarioResult) {
  return {
    summary: r.summary,
    queues: r.queues,
    lag: r.lag,
    oracleCounterMaxGap: r.oracleCounterMaxGap,
    routerView: r.routerView,
    // [backend, ttft ms, e2e ms, send lag ms] per request, in arrival order.
    requests: r.records.map((q) => [
      q.backend,
      q.ttftMs === null ? null : Math.round(q.ttftMs * 10) / 10,
      q.e2eMs === null ? null : Math.round(q.e2eMs * 10) / 10,
      Math.round(q.sendLagMs * 100) / 100,
    ]),
  };
}

async function main(): Promise<void> {
  const flags = parseFlags();
  const began = Date.now();
  const loadBefore = loadavg();
  const specs = heterogeneousFleet();
  const names = specs.map((spec) => spec.name);
  const models = specs.map((spec) => engineModel(spec, POISSON_WORKLOAD));
  out(`routing benchmark  seed ${flags.seed}  load ${flags.load}  ${flags.durationS} s per dispatcher`);
  out(
    `machine: ${cpus().length} CPUs, load average ${loadBefore.map((v) => v.toFixed(2)).join(' ')}, ` +
      `node ${process.version}${flags.routerRoot ? `, router from ${flags.routerRoot}` : ''}`,
  );
  out(
    `workload: streaming chat, max_tokens ${POISSON_WORKLOAD.minTokens}-${POISSON_WORKLOAD.maxTokens}, ` +
      `prompt ${POISSON_WORKLOAD.minPromptChars / 4}-${POISSON_WORKLOAD.maxPromptChars / 4} tokens (uniform)`,
  );

  const configDir = await mkdtemp(join(tmpdir(), 'llm-router-bench-routing-'));
  const settings: ScenarioSettings = {
    seed: flags.seed,
    collectInterval: flags.collectInterval,
    drainTimeoutMs: flags.drainTimeoutS * 1000,
    configDir,
    routerRoot: flags.routerRoot,
  };
  const fleet = await startFleetChild();
  const result: Record<string, unknown> = {};
  const targets: TargetCheck[] = [];
  try {
    // 1. Capacity: computed from the sim's timing rules, then measured closed-loop (2 × max_num_seqs each).
    const { urls } = await fleet.call('start', { specs });
    const probe = await probeCapacity(
      urls.map(targetOf),
      models.map((m) => m.maxNumSeqs * 2),
      POISSON_WORKLOAD,
      stream(flags.seed, 2),
      4000,
      6000,
    );
    await fleet.call('stop', {});
    out();
    printFleet(specs, models, probe);
    const modelTotal = models.reduce((a, m) => a + m.capacityRps, 0);
    out(`fleet capacity: model ${modelTotal.toFixed(2)} req/s, measured ${probe.totalRps.toFixed(2)} req/s`);
    const rate = flags.load * probe.totalRps;
    result.capacity = { modelRps: modelTotal, measured: probe, rateRps: rate };

    // 2. Every dispatcher on the same arrivals, fresh sims (and a fresh router process) each time.
    if (flags.scenarios.includes('poisson')) {
      const schedule = poissonArrivals(stream(flags.seed, 1), rate, flags.durationS * 1000, POISSON_WORKLOAD);
      out(
        `arrivals: Poisson ${rate.toFixed(2)} req/s (${flags.load} x measured), ${schedule.length} requests`,
      );
      const runs: ScenarioResult[] = [];
      for (const dispatch of flags.dispatchers) {
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
        names,
        `Poisson, ${Math.round(flags.load * 100)}% of measured capacity (${rate.toFixed(1)} req/s, ` +
          `${schedule.length} requests, ${flags.durationS} s)`,
      );
      const oracleRun = runs.find((r) => r.summary.name === 'oracle');
      if (oracleRun) {
        out(
          `oracle counter vs sims' running+waiting: largest gap ${oracleRun.oracleCounterMaxGap} request(s) ` +
            'over the 4 Hz samples',
        );
      }
      result.poisson = { requests: schedule.length, runs: runs.map(compact) };
      if (flags.scenarios.includes('virtual')) {
        const core = await loadRouterCore(flags.routerRoot);
        const replays = flags.dispatchers.map((dispatch) =>
          summarise(
            dispatch,
            replay({
              specs,
              workload: POISSON_WORKLOAD,
              schedule,
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
        const vOracle = replays.find((r) => r.name === 'oracle');
        out();
        out(
          'the same arrivals replayed in virtual time (router state + strategy code, no sockets, no CPU contention)',
        );
        out(
          table(
            ['dispatcher', 'TTFT p50', 'p90', 'p99', 'p99/oracle', 'live p99', 'e2e p99', ...names],
            replays.map((r) => [
              r.name,
              ms(r.ttft.p50),
              ms(r.ttft.p90),
              ms(r.ttft.p99),
              vOracle ? ratio(r.ttft.p99 / vOracle.ttft.p99) : '-',
              ms(runs.find((live) => live.summary.name === r.name)?.summary.ttft.p99 ?? Number.NaN),
              ms(r.e2e.p99),
              ...r.shares.map(pct),
            ]),
          ),
        );
        result.poissonReplay = replays;
      }
      const summaryOf = (name: string) => runs.find((r) => r.summary.name === name)?.summary;
      const check = (name: string, bound: number): TargetCheck => {
        const run = summaryOf(name);
        const base = summaryOf('oracle');
        const target = `${name} p99 TTFT <= ${bound}x oracle (live)`;
        if (run === undefined || base === undefined) return { target, value: 'not run', met: null };
        const value = run.ttft.p99 / base.ttft.p99;
        const failed = run.errors > run.requests / 10;
        return {
          target,
          value: failed ? `${ratio(value)} (${run.errors} errors)` : ratio(value),
          met: failed ? null : value <= bound,
        };
      };
      targets.push(check('least-waiting', 1.3), check('least-connections', 2));
      const lw = summaryOf('least-waiting');
      const ideal = summaryOf('ideal');
      if (lw !== undefined && ideal !== undefined) {
        // No target: the ideal knows each engine's slots and speed; this says how close speed awareness gets.
        targets.push({
          target: 'least-waiting p99 TTFT vs the speed-aware ideal (live, for reference)',
          value: ratio(lw.ttft.p99 / ideal.ttft.p99),
          met: null,
        });
      }
    }

    // 3. fast-b serves no /metrics; under least-waiting it must still get its twin's (fast-a's) share.
    if (flags.scenarios.includes('no-metrics')) {
      const schedule = poissonArrivals(
        stream(flags.seed, 4),
        rate,
        flags.sideDurationS * 1000,
        POISSON_WORKLOAD,
      );
      out();
      out(
        `  running least-waiting with fast-b behind a /metrics-404 proxy (${schedule.length} requests) ...`,
      );
      const side = await runScenario(
        'least-waiting, fast-b no /metrics',
        'least-waiting',
        fleet,
        heterogeneousFleet('fast-b'),
        POISSON_WORKLOAD,
        schedule,
        settings,
      );
      const s = side.summary;
      const twin = s.shares[0]!;
      const bare = s.shares[1]!;
      const bView = side.routerView?.find((b) => b.id.endsWith(`@${side.apiBases[1]}`));
      out();
      out('no-metrics: fast-b answers 404 on /metrics (a proxy in front of its sim); fast-a is its twin');
      out(
        table(
          ['scenario', 'TTFT p99', 'e2e p99', 'errors', ...names, 'fast-b / fast-a'],
          [
            [
              s.name,
              ms(s.ttft.p99),
              ms(s.e2e.p99),
              String(s.errors),
              ...s.shares.map(pct),
              ratio(bare / twin),
            ],
          ],
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
      printLag([side]);
      result.noMetrics = compact(side);
      targets.push({
        target: 'metric-less backend gets a fair share (0.8-1.25x its twin)',
        value: `${pct(bare)} vs ${pct(twin)} (${ratio(bare / twin)})`,
        // Shares mean nothing when most requests failed (e.g. a broken router build): no verdict.
        met: s.errors > s.requests / 10 ? null : bare / twin >= 0.8 && bare / twin <= 1.25,
      });
    }

    // 4. Burst on an idle fleet of four equal backends.
    if (flags.scenarios.includes('burst')) {
      const burstSpecs = equalFleet();
      const schedule = burstArrivals(stream(flags.seed, 3), flags.burst, flags.burstWindowMs, BURST_WORKLOAD);
      const bursts: ScenarioResult[] = [];
      out();
      for (const dispatch of flags.dispatchers) {
        out(`  burst: ${flags.burst} requests in ${flags.burstWindowMs} ms via ${dispatch} ...`);
        bursts.push(
          await runScenario(dispatch, dispatch, fleet, burstSpecs, BURST_WORKLOAD, schedule, settings),
        );
      }
      out();
      printBurst(
        bursts,
        burstSpecs.map((spec) => spec.name),
        `burst: ${flags.burst} requests within ${flags.burstWindowMs} ms on 4 equal idle backends (fair share 25%)`,
      );
      result.burst = { fleet: burstSpecs, runs: bursts.map(compact) };
      const routed = bursts.filter((b) => !isOracle(b.summary.name));
      const worst =
        routed.length === 0 ? Number.NaN : Math.max(...routed.map((b) => Math.max(...b.summary.shares) * 4));
      targets.push({
        target: 'burst: no backend > 1.2x its fair share (every strategy)',
        value: routed.length === 0 ? 'not run' : `worst ${ratio(worst)}`,
        met: routed.length === 0 ? null : worst <= 1.2,
      });
    }

    if (flags.scenarios.includes('virtual')) {
      const virtualSettings: VirtualSettings = {
        seeds: flags.virtualSeeds,
        durationS: flags.virtualDurationS,
        load: flags.load,
        collectIntervalS: flags.collectInterval,
        scrapeDelayMs: 2,
        dispatchers: flags.dispatchers.includes('oracle')
          ? flags.dispatchers
          : ['oracle', ...flags.dispatchers],
        roots: [{ label: flags.routerRoot ?? 'this checkout', root: flags.routerRoot }],
      };
      const virtual = await runVirtual(virtualSettings);
      out();
      printVirtual(virtual, virtualSettings, names);
      result.virtual = { settings: virtualSettings, ...virtual };
      const vp99 = (name: string) => virtual.rows.find((r) => r.pooled.name === name)?.pooled.ttft.p99;
      const vOracle = vp99('oracle');
      for (const [name, bound] of [
        ['least-waiting', 1.3],
        ['least-connections', 2],
      ] as const) {
        const value = vp99(name);
        if (value === undefined || vOracle === undefined) continue;
        targets.push({
          target: `${name} p99 TTFT <= ${bound}x oracle (virtual, ${flags.virtualSeeds} x ${flags.virtualDurationS} s)`,
          value: ratio(value / vOracle),
          met: value / vOracle <= bound,
        });
      }
    }

    out();
    printTargets(targets);
    // Like the other benches: a missed target is a non-zero exit, so a script can tell.
    if (targets.some((t) => t.met === false)) process.exitCode = 1;
    const elapsedS = (Date.now() - began) / 1000;
    out();
    out(
      `total ${elapsedS.toFixed(0)} s, load average before ${loadBefore[0]!.toFixed(2)}, after ${loadavg()[0]!.toFixed(2)}`,
    );
    await mkdir(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, `routing-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    const document = {
      startedAt: new Date(began).toISOString(),
      elapsedS,
      flags,
      machine: {
        cpus: cpus().length,
        loadavgBefore: loadBefore,
        loadavgAfter: loadavg(),
        node: process.version,
      },
      fleet: specs.map((spec, i) => ({ ...spec, model: models[i] })),
      workload: { poisson: POISSON_WORKLOAD, burst: BURST_WORKLOAD },
      ...result,
      targets,
    };
    await writeFile(file, `${JSON.stringify(document, null, 1)}\n`);
    out(`result: ${file}`);
  } finally {
    await fleet.call('stop', {}).catch(() => {});
    await closeChild(fleet);
    await rm(configDir, { recursive: true, force: true });
  }
}

process.on('exit', killChildrenSync);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killChildrenSync();
    process.exit(130);
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  killChildrenSync();
  process.exit(1);
});

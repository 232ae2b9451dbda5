/**
 * Routing benchmark (issues 3, 16 and 17): simulated fleets under open-loop Poisson arrivals at a fraction
 * of their measured capacity, once per strategy and once for each reference hosted here (routing/oracle.ts:
 * the join-shortest-queue `oracle` on the sims' true queues, and the `ideal`, which also knows each
 * engine's slots and speed); then a backend without /metrics, a 500-request burst, another client
 * bypassing the router, the other fleets, requests sharing long prompt prefixes on engines that cache
 * them (routing/prefix-section.ts, against an oracle that knows every cache), and all of it replayed in
 * virtual time over many seeds.
 *
 *   npx tsx bench/routing.ts --help
 *
 * Processes: this one generates load and hosts the oracle; the sims run in one child, each router in its
 * own child (fresh per run), so no two of them share an event loop. `--router-root` loads the router from
 * another checkout (a patched copy) for A/B runs. Result JSON: bench/results/routing-<timestamp>.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { burstSection } from './routing/burst-section.ts';
import { bypassSection } from './routing/bypass-section.ts';
import { parseRoutingFlags } from './routing/flags.ts';
import { BURST_WORKLOAD, heterogeneousFleet, POISSON_WORKLOAD } from './routing/fleet-spec.ts';
import { fleetSection } from './routing/fleets-section.ts';
import { runLiveFleet } from './routing/live-fleet.ts';
import { noMetricsSection } from './routing/no-metrics-section.ts';
import { poissonSection } from './routing/poisson-section.ts';
import { prefixSection } from './routing/prefix-section.ts';
import { out, printTargets } from './routing/report.ts';
import { closeChild, killChildrenSync, type ScenarioSettings, startFleetChild } from './routing/scenario.ts';
import type { Section, SectionContext } from './routing/section.ts';
import type { TargetCheck } from './routing/targets.ts';
import { virtualSection } from './routing/virtual-section.ts';

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));

async function main(): Promise<void> {
  const flags = parseRoutingFlags();
  const began = Date.now();
  const loadBefore = loadavg();
  const has = (scenario: (typeof flags.scenarios)[number]) => flags.scenarios.includes(scenario);
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
  const record = (name: string, section: Section) => {
    result[name] = section.result;
    targets.push(...section.targets);
  };
  try {
    // The heterogeneous fleet's capacity (and with `poisson`, every dispatcher on the same arrivals).
    const specs = heterogeneousFleet();
    const het = await runLiveFleet(
      fleet,
      'heterogeneous',
      specs,
      has('poisson') ? flags.dispatchers : [],
      flags.durationS,
      flags.load,
      settings,
    );
    result.capacity = { measured: het.probe, rateRps: het.rateRps };
    const ctx: SectionContext = { fleet, flags, settings, specs, het };
    if (has('poisson')) record('poisson', await poissonSection(ctx, has('virtual')));
    if (has('no-metrics')) record('noMetrics', await noMetricsSection(ctx));
    if (has('burst')) record('burst', await burstSection(ctx));
    if (has('bypass')) record('bypass', await bypassSection(ctx));
    if (has('independent')) record('independent', await fleetSection(ctx, 'independent'));
    if (has('homogeneous')) record('homogeneous', await fleetSection(ctx, 'homogeneous'));
    if (has('shared-prefix')) record('sharedPrefix', await prefixSection(ctx, has('virtual')));
    if (has('virtual')) record('virtual', await virtualSection(ctx));

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
      fleet: specs.map((spec, i) => ({ ...spec, model: het.models[i] })),
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

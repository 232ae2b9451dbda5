import { bypassTarget } from './bypass-section.ts';
import type { Dispatch } from './dispatchers.ts';
import { out } from './report.ts';
import { IDEAL_BOUND, type Section, type SectionContext } from './section.ts';
import { p99E2e, p99Ttft, ratioTarget, type TargetCheck } from './targets.ts';
import { printVirtual, runVirtual, type VirtualSettings, virtualRow } from './virtual-report.ts';

/** Every fleet and scenario again in virtual time, many seeds: the ratios without the luck of one short run. */
export async function virtualSection(ctx: SectionContext): Promise<Section> {
  const { flags } = ctx;
  const settings: VirtualSettings = {
    seeds: flags.virtualSeeds,
    durationS: flags.virtualDurationS,
    load: flags.load,
    collectIntervalS: flags.collectInterval,
    scrapeDelayMs: 2,
    // The ratios are to these two.
    dispatchers: [
      'oracle',
      'ideal',
      ...flags.dispatchers.filter(
        (d): d is Exclude<Dispatch, 'oracle' | 'ideal'> => d !== 'oracle' && d !== 'ideal',
      ),
    ],
    fleets: ['heterogeneous', 'independent', 'homogeneous'],
    roots: [{ label: flags.routerRoot ?? 'this checkout', root: flags.routerRoot }],
  };
  const virtual = await runVirtual(settings);
  out();
  printVirtual(virtual, settings);
  const span = `virtual, ${flags.virtualSeeds} x ${flags.virtualDurationS} s`;
  const targets: TargetCheck[] = [];
  for (const name of settings.fleets) {
    const row = (d: Dispatch) => virtualRow(virtual, name, d);
    const prefix = name === 'heterogeneous' ? '' : `${name}: `;
    const lw = row('least-waiting');
    targets.push(
      ratioTarget(
        `${prefix}least-waiting p99 TTFT <= 1.2x ideal (${span})`,
        lw,
        row('ideal'),
        p99Ttft,
        IDEAL_BOUND,
      ),
      ratioTarget(
        `${prefix}least-waiting e2e p99 <= 1.2x ideal (${span})`,
        lw,
        row('ideal'),
        p99E2e,
        IDEAL_BOUND,
      ),
    );
    if (name === 'heterogeneous') {
      targets.push(
        // Issue 17: with no shared prefixes, cache-aware is least-waiting plus hashing (within noise).
        ratioTarget(
          `cache-aware p99 TTFT <= 1.05x least-waiting, no shared prefixes (${span})`,
          row('cache-aware'),
          lw,
          p99Ttft,
          1.05,
        ),
      );
      targets.push(
        ratioTarget(`least-waiting p99 TTFT <= 1.3x oracle (${span})`, lw, row('oracle'), p99Ttft, 1.3),
        ratioTarget(
          `least-connections p99 TTFT <= 2x oracle (${span})`,
          row('least-connections'),
          row('oracle'),
          p99Ttft,
          2,
        ),
      );
    }
  }
  const settled = (d: Dispatch) => virtual.bypass.find((b) => b.dispatch === d)?.steering.settled;
  targets.push(bypassTarget(span, settled('least-waiting'), settled('ideal')));
  return { result: { settings, ...virtual }, targets };
}

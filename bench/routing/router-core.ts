import { pathToFileURL } from 'node:url';
import type { Affinity, StatePolicy } from '../../src/index.ts';
import { routerConfigTexts } from '../lib/router-config.ts';
import type { StrategyName } from './dispatchers.ts';

type SrcModule = typeof import('../../src/index.ts');
type SettingsModule = typeof import('../../src/router/dispatch-settings-from.ts');

/** What the replay needs of a router checkout: its state code, and what its config derives per strategy. */
export interface RouterCore {
  readonly src: SrcModule;
  /** The checkout's own staleness rule for scraped metrics, from its dispatchSettingsFrom. */
  staleAfterMs(collectIntervalS: number): number;
  /** The state policy the checkout derives from the benchmark router's config for `strategy`. */
  policy(strategy: StrategyName, collectIntervalS: number): StatePolicy;
  /** cache-aware's view of a request body, by the checkout's own code and config defaults (null: none). */
  affinity(body: readonly Uint8Array[]): Affinity | null;
}

/** Thresholds of a checkout whose dispatchSettingsFrom predates state policies. */
const FALLBACK_POLICY = { ejectAfterFailures: 3, probeFailureThreshold: 3, recoveryThreshold: 1 };

/** The router core to replay: this repository's src/ or another checkout's (`--router-root`). */
export async function loadRouterCore(root: string | null): Promise<RouterCore> {
  const file = (path: string) =>
    root === null ? new URL(`../../${path}`, import.meta.url) : pathToFileURL(`${root}/${path}`);
  const src = (await import(file('src/index.ts').href)) as SrcModule;
  let settings: SettingsModule | null = null;
  try {
    settings = (await import(file('src/router/dispatch-settings-from.ts').href)) as SettingsModule;
  } catch {
    // moved or renamed: fall back to three periods below
  }
  type Built = {
    staleAfterMs?: number;
    statePolicy?: StatePolicy;
    affinity?: Parameters<SrcModule['requestAffinity']>[1];
  };
  const built = (strategy: StrategyName, collectIntervalS: number): Built | null => {
    if (settings === null) return null;
    // The benchmark router's own config, as the live runs write it.
    const { main } = routerConfigTexts([], { strategy, collectInterval: collectIntervalS });
    return settings.dispatchSettingsFrom(src.parseMainConfig(main, 'virtual.yaml'));
  };
  const staleAfterMs = (collectIntervalS: number) => {
    const b = built('least-waiting', collectIntervalS);
    return b?.statePolicy?.staleAfterMs ?? b?.staleAfterMs ?? collectIntervalS * 3000;
  };
  const affinitySettings = built('cache-aware', 1)?.affinity ?? null;
  return {
    src,
    staleAfterMs,
    policy(strategy, collectIntervalS) {
      const policy = built(strategy, collectIntervalS)?.statePolicy;
      return policy ?? { ...FALLBACK_POLICY, strategy, staleAfterMs: staleAfterMs(collectIntervalS) };
    },
    affinity(body) {
      if (affinitySettings === null || typeof src.requestAffinity !== 'function') return null;
      const request = { path: 'chat/completions', headers: {}, body, signal: NEVER_ABORTED };
      return src.requestAffinity(request, affinitySettings);
    },
  };
}

const NEVER_ABORTED = new AbortController().signal;

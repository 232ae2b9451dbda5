import { describe, expect, it } from 'vitest';
import { parseBackendFile } from '../../src/config/parse-backend-file.ts';
import { parseMainConfig } from '../../src/config/parse-main-config.ts';
import { type DispatchContext, dispatch } from '../../src/core/dispatch.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { createSeededRandom } from '../../src/core/random.ts';
import { RouterError } from '../../src/core/router-error.ts';
import { PoolSnapshot } from '../../src/pool/pool-snapshot.ts';
import { dispatchSettingsFrom } from '../../src/router/dispatch-settings-from.ts';
import type { AcquireResult, AttemptReport, RouterState } from '../../src/state/router-state.ts';
import { encoder } from '../support/core-router.ts';
import { FakeClock } from '../support/fake-clock.ts';

const BACKENDS = `model_list:\n  - model_name: m\n    litellm_params:\n      model: openai/m\n      api_base: http://127.0.0.1:9/v1\n      max_concurrency: 1\n`;

/** A state that answers `acquire` from a script and records every release; nothing reaches a backend. */
function scriptedState(answers: AcquireResult[]): { state: RouterState; releases: AttemptReport[] } {
  const releases: AttemptReport[] = [];
  const state: RouterState = {
    register: () => {},
    retire: () => {},
    acquire: () => answers.shift() ?? { kind: 'none-healthy' },
    firstByte: () => {},
    renew: () => {},
    release: (report) => {
      releases.push(report);
      return null;
    },
    blame: () => null,
    applyProbe: () => null,
    applyLoad: () => {},
    recordRequest: () => {},
    view: () => {
      throw new Error('not used');
    },
  };
  return { state, releases };
}

function contextFor(state: RouterState, clock: FakeClock, saturationPollMs?: number): DispatchContext {
  const { backends } = parseBackendFile(BACKENDS, 'self_deployed.yaml', {
    source: 'self_deployed',
    secrets: () => undefined,
    skipMetricsSources: [],
  });
  return {
    snapshot: new PoolSnapshot(backends ?? []),
    settings: dispatchSettingsFrom(
      parseMainConfig('{}', 'config.yaml'),
      saturationPollMs === undefined ? {} : { saturationPollMs },
    ),
    state,
    transport: {
      send: () => Promise.reject(new Error('no upstream in this test')),
    },
    clock,
    random: createSeededRandom(1),
    log: silentLogger,
    onHealthChange: () => {},
    onResponseEnd: () => {},
  };
}

const request = () => ({
  path: 'chat/completions',
  headers: {},
  body: [encoder.encode(JSON.stringify({ model: 'm', messages: [] }))],
  signal: new AbortController().signal,
});

describe('dispatch: waiting on saturated backends', () => {
  it('asks the state again every saturationPollMs (20 ms unless the runtime says otherwise)', async () => {
    for (const [poll, expected] of [
      [undefined, 20],
      [250, 250],
    ] as const) {
      const clock = new FakeClock();
      const { state } = scriptedState([{ kind: 'saturated' }, { kind: 'saturated' }]);
      const error = await dispatch(request(), contextFor(state, clock, poll)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RouterError);
      expect(clock.sleeps).toEqual([expected, expected]);
    }
  });

  it('stops polling once the next poll would pass max_wait_ms', async () => {
    const clock = new FakeClock();
    const saturated = Array.from({ length: 1000 }, (): AcquireResult => ({ kind: 'saturated' }));
    const { state } = scriptedState(saturated);
    const error = (await dispatch(request(), contextFor(state, clock, 250)).catch(
      (e: unknown) => e,
    )) as RouterError;
    expect(error.status).toBe(503);
    // Default max_wait_ms is 10 s: 40 polls of 250 ms, where 20 ms would have made 500.
    expect(clock.sleeps).toHaveLength(40);
  });
});

describe('dispatch: the state picks a backend this snapshot lacks', () => {
  it('releases that attempt as not-sent (in-flight and RPM charge handed back) and tries again', async () => {
    const clock = new FakeClock();
    const { state, releases } = scriptedState([{ kind: 'acquired', id: 'ghost', chargedAt: 123 }]);
    const error = (await dispatch(request(), contextFor(state, clock)).catch(
      (e: unknown) => e,
    )) as RouterError;
    expect(error).toBeInstanceOf(RouterError);
    expect(releases).toHaveLength(1);
    expect(releases[0]).toMatchObject({ id: 'ghost', model: 'm', outcome: 'withdrawn', chargedAt: 123 });
  });
});

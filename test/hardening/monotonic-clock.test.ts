import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import type { SimServer } from '../../tools/sim/index.ts';
import { closeAll, startSims, startTestRouter, type TestRouter } from '../support/router-fixture.ts';

const HOUR = 3_600_000;

/**
 * Item 12: RPM windows, 429 holds and durations ran on the wall clock, so an NTP step or a resumed VM
 * emptied a 60 s window at once (or held a backend for an hour). They now run on a clock that never steps.
 */
describe('time under wall-clock steps', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('systemClock.now() keeps advancing when the wall clock jumps back or forward', async () => {
    const before = systemClock.now();
    const realNow = Date.now.bind(Date);
    const spy = vi.spyOn(Date, 'now').mockImplementation(() => realNow() - HOUR);
    const afterBackStep = systemClock.now();
    expect(afterBackStep).toBeGreaterThanOrEqual(before);
    expect(afterBackStep - before).toBeLessThan(1000);
    spy.mockImplementation(() => realNow() + HOUR);
    expect(systemClock.now() - before).toBeLessThan(1000);
    // The wall clock is still there for dates exchanged with the outside (HTTP-date Retry-After).
    expect(systemClock.wallTime() - realNow()).toBeGreaterThan(HOUR - 1000);
  });

  describe('an RPM window across a forward step of the wall clock', () => {
    let sim: SimServer;
    let router: TestRouter;
    beforeAll(async () => {
      [sim] = (await startSims([{ models: ['m'], ttftMs: 1, tokensPerSecond: 1000 }])) as [SimServer];
      router = await startTestRouter({ backends: [{ model_name: 'm', api_base: sim, rpm_limit: 2 }] });
    });
    afterAll(async () => {
      await router?.close();
      await closeAll([sim]);
    });

    const chat = async () => {
      const response = await fetch(`${router.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 }),
      });
      await response.arrayBuffer();
      return response.status;
    };

    it('stays full: the third request in the minute is refused', async () => {
      expect(await chat()).toBe(200);
      expect(await chat()).toBe(200);
      const realNow = Date.now.bind(Date);
      vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 2 * 60_000);
      expect(await chat()).toBe(429);
    });
  });
});

import { describe, expect, it } from 'vitest';
import type { HealthNotice } from '../../src/notify/notice.ts';
import { NotifierMachine } from '../../src/notify/notifier-machine.ts';
import type { NotifyTimings } from '../../src/notify/notify-settings.ts';
import { baselineOf } from '../../src/notify/report-stats.ts';
import { view } from './fixtures.ts';

const T0 = 1_800_000_000_000;
const timings: NotifyTimings = {
  batchMs: 60_000,
  cooldownMs: 300_000,
  reportActiveMs: 3_600_000,
  reportIdleMs: 10_800_000,
  startupWaitMs: 30_000,
};

function health(id: string, healthy: boolean, at: number, reason = 'probe: connect failed'): HealthNotice {
  return {
    kind: 'health',
    id,
    model: id.split('@')[0] ?? id,
    apiBase: `http://${id}/v1`,
    healthy,
    cause: 'probe',
    reason,
    at,
  };
}

/** A machine past its startup report, so only alerts and periodic reports are due. */
function started(): NotifierMachine {
  const machine = new NotifierMachine();
  machine.offer({ kind: 'started', version: 'v1', at: T0 });
  const work = machine.takeDue(T0, timings);
  expect(work?.report?.kind).toBe('startup');
  machine.startupSent(T0, baselineOf(view([])));
  return machine;
}

const kinds = (machine: NotifierMachine, now: number) =>
  machine.takeDue(now, timings)?.changes.map((c) => `${c.kind} ${c.id}`) ?? [];

describe('NotifierMachine: batching', () => {
  it('collects every backend that went down in the window into one batch, due window-end', () => {
    const m = started();
    m.offer(health('a@1', false, T0 + 1000));
    m.offer(health('b@2', false, T0 + 30_000));
    m.offer(health('c@3', false, T0 + 59_000));
    expect(m.nextDueAt(timings)).toBe(T0 + 61_000);
    expect(m.takeDue(T0 + 60_999, timings)).toBeNull();
    expect(kinds(m, T0 + 61_000)).toEqual(['down a@1', 'down b@2', 'down c@3']);
    expect(m.takeDue(T0 + 200_000, timings)?.changes ?? []).toEqual([]);
  });

  it('batches recoveries the same way, and a recovery waits for the batch but not for the cooldown', () => {
    const m = started();
    m.offer(health('a@1', false, T0));
    expect(kinds(m, T0 + 60_000)).toEqual(['down a@1']);
    m.offer(health('a@1', true, T0 + 70_000));
    m.offer(health('b@2', true, T0 + 71_000));
    expect(m.nextDueAt(timings)).toBe(T0 + 130_000);
    const work = m.takeDue(T0 + 130_000, timings);
    expect(work?.changes.map((c) => [c.kind, c.id, c.downSince])).toEqual([['recovered', 'a@1', T0]]);
  });

  it('says nothing about a backend coming up that no message said was down (restart, first probe)', () => {
    const m = started();
    m.offer(health('a@1', true, T0 + 5));
    expect(m.nextDueAt(timings)).toBe(T0 + timings.reportIdleMs);
    expect(m.takeDue(T0 + 120_000, timings)).toBeNull();
  });

  it('a brief outage inside one window is reported as such, not dropped and not as "recovered"', () => {
    const m = started();
    m.offer(health('a@1', false, T0 + 1000, 'traffic: upstream status 502'));
    m.offer(health('a@1', true, T0 + 3000));
    const [change] = m.takeDue(T0 + 61_000, timings)?.changes ?? [];
    expect(change).toMatchObject({
      kind: 'blip',
      downAt: T0 + 1000,
      upAt: T0 + 3000,
      reason: 'traffic: upstream status 502',
    });
  });
});

describe('NotifierMachine: cooldown defers repeats, never drops them', () => {
  it('a backend alerted again within cooldown_seconds goes into the first message after its cooldown', () => {
    const m = started();
    m.offer(health('a@1', false, T0));
    expect(kinds(m, T0 + 60_000)).toEqual(['down a@1']); // alerted at T0+60s: cooldown to T0+360s
    m.offer(health('a@1', true, T0 + 70_000));
    expect(kinds(m, T0 + 130_000)).toEqual(['recovered a@1']);
    m.offer(health('a@1', false, T0 + 140_000));
    // Another backend's alert in the meantime goes out without it.
    m.offer(health('b@2', false, T0 + 150_000));
    expect(kinds(m, T0 + 210_000)).toEqual(['down b@2']);
    expect(m.nextDueAt(timings)).toBe(T0 + 360_000);
    expect(m.takeDue(T0 + 359_999, timings)).toBeNull();
    expect(kinds(m, T0 + 360_000)).toEqual(['down a@1']);
  });

  it('a flapping backend produces one line per cooldown with the latest state and the number of changes', () => {
    const m = started();
    m.offer(health('a@1', false, T0));
    expect(kinds(m, T0 + 60_000)).toEqual(['down a@1']);
    // Up, down, up, ... down: the channel knows it is down; it came back in between: "relapsed".
    for (let i = 1; i <= 8; i++) m.offer(health('a@1', i % 2 === 1, T0 + 60_000 + i * 1000));
    expect(m.nextDueAt(timings)).toBe(T0 + 360_000);
    const work = m.takeDue(T0 + 360_000, timings);
    expect(work?.changes.map((c) => [c.kind, c.transitions, c.upAt])).toEqual([['relapsed', 8, T0 + 67_000]]);
  });

  it('a repeat that healed during the cooldown is still told, as a brief outage', () => {
    const m = started();
    m.offer(health('a@1', false, T0));
    kinds(m, T0 + 60_000);
    m.offer(health('a@1', true, T0 + 61_000));
    expect(kinds(m, T0 + 121_000)).toEqual(['recovered a@1']);
    m.offer(health('a@1', false, T0 + 130_000));
    m.offer(health('a@1', true, T0 + 131_000));
    expect(kinds(m, T0 + 360_000)).toEqual(['blip a@1']);
  });
});

describe('NotifierMachine: reports', () => {
  it('sends the startup report once per config version, after every backend was probed or the wait is over', () => {
    const m = new NotifierMachine();
    m.offer({ kind: 'started', version: 'v1', at: T0 });
    expect(m.takeDue(T0, timings)?.report).toMatchObject({ kind: 'startup', waitOver: false });
    // Not sent yet (backends unprobed): asked again a little later, and once the wait is over, regardless.
    expect(m.takeDue(T0 + 500, timings)).toBeNull();
    expect(m.takeDue(T0 + 30_000, timings)?.report).toMatchObject({ kind: 'startup', waitOver: true });
    m.startupSent(T0 + 30_000, baselineOf(view([])));
    m.offer({ kind: 'started', version: 'v1', at: T0 + 40_000 });
    expect(m.takeDue(T0 + 40_000, timings)).toBeNull();
    m.offer({ kind: 'started', version: 'v2', at: T0 + 50_000 });
    expect(m.takeDue(T0 + 50_000, timings)?.report?.kind).toBe('startup');
  });

  it('reports every report_interval_idle, and every report_interval_active after a health change', () => {
    const m = started();
    expect(m.nextDueAt(timings)).toBe(T0 + timings.reportIdleMs);
    expect(m.takeDue(T0 + timings.reportIdleMs, timings)?.report).toMatchObject({
      kind: 'periodic',
      since: T0,
    });
    const last = T0 + timings.reportIdleMs;
    m.offer(health('a@1', false, last + 7_200_000));
    // Past the active interval already: the report comes with the change's batch, never before its alert.
    expect(m.nextDueAt(timings)).toBe(last + 7_260_000);
    const work = m.takeDue(last + 7_260_000, timings);
    expect(work?.changes.map((c) => c.kind)).toEqual(['down']);
    expect(work?.report).toMatchObject({ kind: 'periodic', since: last });
    // No change since: idle again.
    expect(m.nextDueAt(timings)).toBe(last + 7_260_000 + timings.reportIdleMs);
  });

  it('a change soon after a report brings the next one to report_interval_active', () => {
    const m = started();
    m.offer(health('a@1', false, T0 + 1000));
    kinds(m, T0 + 61_000);
    expect(m.nextDueAt(timings)).toBe(T0 + timings.reportActiveMs);
  });
});

describe('NotifierMachine: state survives a restart (the notifier object persists its snapshot)', () => {
  it('a restored machine still knows who was reported down, the cooldowns and the pending window', () => {
    const m = started();
    m.offer(health('a@1', false, T0));
    kinds(m, T0 + 60_000);
    m.offer(health('b@2', false, T0 + 70_000));
    const restored = new NotifierMachine(JSON.parse(JSON.stringify(m.snapshot())));
    restored.offer({ kind: 'started', version: 'v1', at: T0 + 80_000 });
    restored.offer(health('a@1', true, T0 + 90_000));
    expect(restored.takeDue(T0 + 130_000, timings)?.changes.map((c) => `${c.kind} ${c.id}`)).toEqual([
      'down b@2',
      'recovered a@1',
    ]);
  });

  it('collects config files that failed to load into the alert batch, latest message first-seen window', () => {
    const m = started();
    m.offer({ kind: 'config-rejected', file: 'configs/x.yaml', message: 'bad', at: T0 + 1000 });
    m.offer({ kind: 'config-rejected', file: 'configs/x.yaml', message: 'worse', at: T0 + 2000 });
    const work = m.takeDue(T0 + 61_000, timings);
    expect(work?.configs).toEqual([
      { file: 'configs/x.yaml', message: 'worse', firstAt: T0 + 1000, at: T0 + 2000, count: 2 },
    ]);
  });
});

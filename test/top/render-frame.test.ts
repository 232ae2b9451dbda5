import { describe, expect, it } from 'vitest';
import { plain, renderFrame } from '../../tools/top/render-frame.ts';
import { layoutTable } from '../../tools/top/table-layout.ts';
import { widthOf } from '../../tools/top/text-cells.ts';
import { backendColumns } from '../../tools/top/top-columns.ts';
import { type TopData, TopDataSchema } from '../../tools/top/top-data.ts';
import { applyKey, INITIAL_VIEW, type TopView, visibleBackends } from '../../tools/top/top-view.ts';

function backend(id: string, over: Record<string, unknown> = {}) {
  const [model, base] = id.split('@');
  return {
    id,
    model_name: model,
    api_base: base,
    healthy: true,
    engine: 'vllm',
    connections: 0,
    send_rpm: 0,
    metrics_age_ms: 100,
    ttft_p50_ms: 120,
    errors: {},
    ...over,
  };
}

function data(backends: unknown[], over: Record<string, unknown> = {}): TopData {
  return TopDataSchema.parse({
    system: { version: '9.9.9', uptime_seconds: 3725, strategy: 'least-waiting', time: '' },
    requests: { total: 10, success: 9, failures: 1, success_rate: 90, inflight: 2 },
    models: [{ name: 'm', healthy: 1, total: 2, ttft_p50_ms: 120, errors: { timeout: 2 } }],
    backends,
    recent_errors: [{ backend: 'm@http://b:1/v1', error: 'upstream status 500', at: '2026-01-01T00:00:00Z' }],
    ...over,
  });
}

const frame = (d: TopData, width: number, height: number | null, view: TopView = INITIAL_VIEW) =>
  renderFrame(
    {
      data: d,
      view,
      requestsPerSecond: 1.5,
      width,
      height,
      now: new Date(0),
      notice: null,
      footer: height !== null,
    },
    plain,
  );

describe('top: one frame', () => {
  const fleet = data([
    backend('m@http://a:1/v1', { connections: 3 }),
    backend('m@http://b:1/v1', {
      healthy: false,
      errors: { status_5xx: 4, client_error: 9 },
      last_error: 'boom',
    }),
    backend('漢字モデル@http://c:1/v1', { send_rpm: 50 }),
  ]);

  it('fits every line to the terminal, dropping columns in priority order, and keeps CJK names aligned', () => {
    for (const width of [200, 120, 80, 60, 40]) {
      for (const line of frame(fleet, width, 30))
        expect(widthOf(line), `${width}: ${line}`).toBeLessThanOrEqual(width);
    }
    const wide = frame(fleet, 200, 30).join('\n');
    expect(wide).toContain('LAST ERROR');
    expect(wide).toContain('LIMIT');
    const narrow = frame(fleet, 80, 30).join('\n');
    expect(narrow).not.toContain('LAST ERROR');
    expect(narrow).not.toContain('LIMIT');
    expect(narrow).toContain('STATUS');
    expect(narrow).toContain('TTFT50');
    // Rows line up under their header whatever the characters' widths.
    const lines = frame(fleet, 200, null);
    const header = lines.find((line) => line.startsWith('STATUS'))!;
    const cjk = lines.find((line) => line.includes('漢字'))!;
    const column = header.indexOf('CONNS') + 'CONNS'.length;
    expect(widthOf(cjk.slice(0, cjk.indexOf(' 0 ') + 2))).toBe(widthOf(header.slice(0, column)));
  });

  it('summary, statuses, errors by kind without client errors, recent errors; height is respected', () => {
    const lines = frame(fleet, 160, 30);
    expect(lines).toHaveLength(30);
    expect(lines[0]).toContain('llm-router v9.9.9 · 2/3 backends up · 1.5 req/s · 90.00% ok · in-flight 2');
    const b = lines.find((line) => line.includes('b:1'))!;
    expect(b).toMatch(/^down\s/);
    expect(b).toMatch(/\s4\s+boom$/);
    expect(lines.join('\n')).toContain('upstream status 500');
    expect(lines.at(-1)).toContain('q quit');
    // Too short for everything: the backends keep their rows, the rest is cut with a count.
    const short = frame(data(Array.from({ length: 40 }, (_, i) => backend(`m@http://h${i}:1/v1`))), 100, 15);
    expect(short).toHaveLength(15);
    expect(short.join('\n')).toMatch(/… \d+ more/);
  });

  it('control characters in names from a remote router never reach the terminal', () => {
    const hostile = data([backend('\u001b]0;pwned\u0007m@http://x:1/v1', { last_error: 'a\u001b[2Jb\nc' })]);
    const text = frame(hostile, 200, null).join('\n');
    const controls = [...text].filter((ch) => ch !== '\n' && (ch.codePointAt(0)! < 32 || ch === '\u007f'));
    expect(controls).toEqual([]);
    expect(text).toContain('\ufffd]0;pwned');
  });

  it('keys: s cycles the sort, / edits a filter, m hides models, Esc clears, q and Ctrl-C quit', () => {
    let view: TopView = INITIAL_VIEW;
    const press = (...keys: { name?: string; sequence?: string; ctrl?: boolean }[]) => {
      for (const key of keys) {
        const next = applyKey(view, key);
        if (next === 'quit') throw new Error('quit');
        view = next;
      }
    };
    press({ name: 's', sequence: 's' });
    expect(view.sort).toBe('status');
    expect(visibleBackends(fleet.backends, view)[0]!.id).toBe('m@http://b:1/v1');
    press({ name: 's', sequence: 's' });
    expect(visibleBackends(fleet.backends, view)[0]!.id).toBe('m@http://a:1/v1');
    press({ sequence: '/' }, { name: 'q', sequence: 'q' });
    expect(view).toMatchObject({ editing: true, filter: 'q' });
    press(
      { name: 'backspace' },
      { sequence: '漢' },
      { name: 'up', sequence: '\u001b[A' },
      { name: 'return' },
    );
    expect(view).toMatchObject({ editing: false, filter: '漢' });
    expect(visibleBackends(fleet.backends, view).map((b) => b.id)).toEqual(['漢字モデル@http://c:1/v1']);
    expect(frame(fleet, 160, null, view).join('\n')).toContain('BACKENDS 1 of 3');
    press({ name: 'escape' });
    expect(view.filter).toBe('');
    press({ name: 'm', sequence: 'm' });
    expect(frame(fleet, 160, null, view).join('\n')).not.toContain('MODELS');
    expect(applyKey(view, { name: 'q', sequence: 'q' })).toBe('quit');
    expect(applyKey({ ...view, editing: true }, { name: 'c', ctrl: true })).toBe('quit');
  });

  it('reads the Go router’s shapes too: missing newer fields show as —', () => {
    const go = TopDataSchema.parse({
      system: { uptime: '1h' },
      requests: { total: 3 },
      models: [{ name: 'm', healthy: 1, total: 1 }],
      backends: [{ id: 'm@http://a:1/v1', model_name: 'm', healthy: true, engine: 'vllm', connections: 1 }],
    });
    const text = frame(go, 200, null).join('\n');
    expect(text).toContain('a:1');
    expect(text).toContain('—');
    expect(TopDataSchema.safeParse({ hello: 'world' }).success).toBe(false);
  });

  it('layout: columns never dropped stay even on a tiny screen', () => {
    const { columns } = layoutTable(backendColumns('config'), fleet.backends, 20);
    expect(columns.map((c) => c.header)).toEqual(['STATUS', 'MODEL', 'CONNS', 'TTFT50']);
  });
});

import { emitKeypressEvents } from 'node:readline';
import { styleText } from 'node:util';
import { cursorHide, cursorShow, enterAlternativeScreen, exitAlternativeScreen } from 'ansi-escapes';
import { DashboardUnavailable } from './dashboard-client.ts';
import { FrameWriter } from './frame-writer.ts';
import { renderFrame } from './render-frame.ts';
import { RequestRate } from './request-rate.ts';
import type { Paint } from './table-layout.ts';
import type { TopData } from './top-data.ts';
import { applyKey, INITIAL_VIEW, type Key, type TopView } from './top-view.ts';

export interface LiveTopOptions {
  readonly read: () => Promise<TopData>;
  /** The first answer (already read, so an unreachable router fails before the screen is taken). */
  readonly first: TopData;
  readonly intervalMs: number;
  readonly color: boolean;
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WriteStream;
}

const STYLES = {
  ok: 'green',
  bad: 'red',
  warn: 'yellow',
  dim: 'gray',
  head: 'bold',
  title: ['bold', 'cyan'],
} as const satisfies Record<Parameters<Paint>[1], Parameters<typeof styleText>[0]>;

/** SIGINT arrives as a signal only when stdin is not the terminal (in raw mode Ctrl-C is a key). */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * The live screen: polls every interval, redraws on each answer, key and resize, and gives the terminal
 * back as it found it (main screen, cursor, cooked mode) on q, Ctrl-C, SIGINT, SIGTERM or SIGHUP.
 * Resolves with the exit code.
 */
export function runLiveTop(options: LiveTopOptions): Promise<number> {
  const { stdin, stdout } = options;
  const paint: Paint = options.color ? (text, tone) => styleText(STYLES[tone], text) : (text) => text;
  const writer = new FrameWriter((text) => stdout.write(text));
  const rate = new RequestRate();
  let data = options.first;
  let view: TopView = INITIAL_VIEW;
  let notice: string | null = null;
  let requestsPerSecond = rate.update(data, Date.now());
  let timer: NodeJS.Timeout | undefined;
  let polling = false;

  const draw = () => {
    const lines = renderFrame(
      {
        data,
        view,
        requestsPerSecond,
        width: stdout.columns || 80,
        height: stdout.rows || 24,
        now: new Date(),
        notice,
        footer: true,
      },
      paint,
    );
    writer.draw(lines);
  };

  return new Promise<number>((resolve) => {
    const poll = async () => {
      if (polling) return;
      polling = true;
      try {
        data = await options.read();
        requestsPerSecond = rate.update(data, Date.now());
        notice = null;
      } catch (error) {
        // Keep the last good numbers on screen and say why they stopped moving; try again next tick.
        notice = `${error instanceof DashboardUnavailable ? error.message : String(error)} (retrying)`;
      } finally {
        polling = false;
      }
      draw();
    };
    const onKey = (_text: string | undefined, key: Key | undefined) => {
      const next = applyKey(view, key ?? {});
      if (next === 'quit') {
        stop();
        return;
      }
      view = next;
      draw();
    };
    const onResize = () => {
      writer.reset();
      draw();
    };
    const stop = () => {
      clearInterval(timer);
      stdin.off('keypress', onKey);
      stdout.off('resize', onResize);
      for (const signal of SIGNALS) process.off(signal, stop);
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
      stdout.write(cursorShow + exitAlternativeScreen);
      resolve(0);
    };

    emitKeypressEvents(stdin);
    if (stdin.isTTY) stdin.setRawMode(true);
    stdin.on('keypress', onKey);
    stdin.resume();
    stdout.on('resize', onResize);
    for (const signal of SIGNALS) process.on(signal, stop);
    stdout.write(enterAlternativeScreen + cursorHide);
    writer.reset();
    draw();
    timer = setInterval(() => void poll(), options.intervalMs);
  });
}

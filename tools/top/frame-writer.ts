import ansiEscapes from 'ansi-escapes';

/**
 * Draws frames on the alternate screen without flicker: the screen is never cleared between frames;
 * only the lines that changed are rewritten in place (each erased to its end after the new text), and
 * the whole update is one write inside a synchronized-output block, so a terminal that supports it
 * shows it at once and one that does not still never shows a blank screen.
 */
export class FrameWriter {
  readonly #write: (text: string) => void;
  #previous: string[] = [];

  constructor(write: (text: string) => void) {
    this.#write = write;
  }

  draw(lines: readonly string[]): void {
    let out = '';
    const rows = Math.max(lines.length, this.#previous.length);
    for (let row = 0; row < rows; row++) {
      const line = lines[row] ?? '';
      if (line === this.#previous[row]) continue;
      out += ansiEscapes.cursorTo(0, row) + line + ansiEscapes.eraseEndLine;
    }
    this.#previous = [...lines];
    if (out === '') return;
    this.#write(ansiEscapes.beginSynchronizedOutput + out + ansiEscapes.endSynchronizedOutput);
  }

  /** After a resize the terminal may have reflowed anything: start from a cleared screen. */
  reset(): void {
    this.#previous = [];
    this.#write(ansiEscapes.eraseScreen);
  }
}

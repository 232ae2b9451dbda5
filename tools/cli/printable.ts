/**
 * Text from elsewhere (an engine's log, a remote shell's stderr) made safe to print on a terminal: ANSI
 * escape sequences and other control characters are dropped, tabs and newlines kept.
 */
export function printable(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
      .replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
  );
}

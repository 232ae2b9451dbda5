/** Characters that never need quoting in a POSIX shell word (no globbing, expansion or splitting). */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Quote one word for a POSIX shell (`sh`, `bash`, `dash`, `zsh`): plain words stay bare, everything else
 * goes in single quotes, inside which the shell interprets nothing; a single quote becomes `'\''`. The one
 * quoting function of `llm-router deploy`: every value that reaches a remote shell passes through it.
 */
export function shellQuote(word: string): string {
  if (word.includes('\0')) throw new Error('a shell word cannot contain a NUL byte');
  if (PLAIN.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** `shellQuote` applied to each word, joined with spaces: one command line. */
export function shellJoin(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}

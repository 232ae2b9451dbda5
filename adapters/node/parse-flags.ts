/**
 * Go-style flags as the old router took them: `-config x`, `--config x`, `-config=x`, `--config=x`.
 * `booleans` take no value. Unknown flags are errors (a typo must not be silently ignored).
 */
export function parseFlags(
  argv: readonly string[],
  known: { readonly values: readonly string[]; readonly booleans: readonly string[] },
): { flags: Map<string, string>; positional: string[] } {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    if (known.booleans.includes(name)) {
      flags.set(name, eq === -1 ? 'true' : body.slice(eq + 1));
      continue;
    }
    if (!known.values.includes(name)) throw new Error(`unknown flag: ${arg}`);
    const value = eq === -1 ? argv[++i] : body.slice(eq + 1);
    if (value === undefined) throw new Error(`flag ${arg} needs a value`);
    flags.set(name, value);
  }
  return { flags, positional };
}

/** Flags one command accepts. Names are written without dashes. */
export interface FlagSpec {
  /** Flags that take a value: `-name value`, `--name value`, `-name=value`, `--name=value`. */
  readonly values?: readonly string[];
  /** Flags that take no value: `--name` (true), `--name=true|false`, `--no-name` (false). */
  readonly booleans?: readonly string[];
  /** Short or legacy spellings: `{ h: 'help' }` makes `-h` the same flag as `--help`. */
  readonly aliases?: Readonly<Record<string, string>>;
}

export interface FlagEntry {
  readonly name: string;
  readonly value: string;
}

export interface ParsedFlags {
  /** The last value of each flag given; booleans as `'true'` / `'false'`. */
  readonly flags: Map<string, string>;
  /** Every flag in command-line order (repeatable flags such as `--env K=V` read all of theirs). */
  readonly entries: readonly FlagEntry[];
  /** Arguments that are not flags, in order; everything after a lone `--` lands here too. */
  readonly positional: string[];
}

/** A command-line mistake; the message names the flag as the user typed it. */
export class FlagError extends Error {
  override readonly name = 'FlagError';
}

/**
 * Go-style flags as the old router took them, shared by every `llm-router` command. Unknown flags are
 * errors: a typo must not be silently ignored.
 */
export function parseFlags(argv: readonly string[], spec: FlagSpec): ParsedFlags {
  const values = new Set(spec.values ?? []);
  const booleans = new Set(spec.booleans ?? []);
  const canonical = (name: string) => spec.aliases?.[name] ?? name;
  const entries: FlagEntry[] = [];
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const written = eq === -1 ? body : body.slice(0, eq);
    const name = canonical(written);
    if (booleans.has(name)) {
      const value = eq === -1 ? 'true' : body.slice(eq + 1);
      if (value !== 'true' && value !== 'false')
        throw new FlagError(`--${written} takes no value, or =true / =false (got "${value}")`);
      entries.push({ name, value });
      continue;
    }
    if (eq === -1 && written.startsWith('no-') && booleans.has(canonical(written.slice(3)))) {
      entries.push({ name: canonical(written.slice(3)), value: 'false' });
      continue;
    }
    if (!values.has(name))
      throw new FlagError(`unknown flag "${eq === -1 ? arg : arg.slice(0, arg.indexOf('='))}"`);
    const value = eq === -1 ? argv[++i] : body.slice(eq + 1);
    if (value === undefined) throw new FlagError(`flag ${arg} needs a value`);
    entries.push({ name, value });
  }
  const flags = new Map<string, string>();
  for (const entry of entries) flags.set(entry.name, entry.value);
  return { flags, entries, positional };
}

/** Every value given for a repeatable flag, in order. */
export function allValues(parsed: ParsedFlags, name: string): string[] {
  return parsed.entries.filter((entry) => entry.name === name).map((entry) => entry.value);
}

/** A boolean flag's value: `fallback` when not given. */
export function flagOn(parsed: ParsedFlags, name: string, fallback = false): boolean {
  const value = parsed.flags.get(name);
  return value === undefined ? fallback : value === 'true';
}

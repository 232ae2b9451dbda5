import { FlagError, type FlagSpec, flagOn, type ParsedFlags, parseFlags } from './parse-flags.ts';

/**
 * The start every simple command shares: parse its flags (`help`/`-h` added), print its usage for
 * `--help` (exit 0) or a bad command line with the usage on stderr (exit 2). Returns the flags, or the
 * exit code to return at once.
 */
export function commandFlags(
  command: string,
  usage: string,
  argv: readonly string[],
  spec: FlagSpec,
): ParsedFlags | number {
  let parsed: ParsedFlags;
  try {
    parsed = parseFlags(argv, {
      ...spec,
      booleans: [...(spec.booleans ?? []), 'help'],
      aliases: { h: 'help', ...spec.aliases },
    });
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    process.stderr.write(`${command}: ${error.message}\n\n${usage}`);
    return 2;
  }
  if (flagOn(parsed, 'help')) {
    process.stdout.write(usage);
    return 0;
  }
  return parsed;
}

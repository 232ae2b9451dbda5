/**
 * One `llm-router <name>` command. The table in adapters/node/commands.ts lists them; `help <name>` and
 * `<name> --help` print `usage`, and test/cli/cli-docs.test.ts holds docs/cli.md to it.
 */
export interface Command {
  readonly name: string;
  /** One line for `llm-router help`. */
  readonly summary: string;
  /** The whole `--help` text: flag lines start with two spaces and `--name`. */
  readonly usage: string;
  /** Runs with the arguments after the command name; resolves with the process exit code. */
  run(argv: readonly string[]): Promise<number>;
}

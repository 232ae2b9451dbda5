import { COMMANDS, commandNamed } from './commands.ts';
import { VERSION } from './project-files.ts';

function overview(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const lines = COMMANDS.map((command) => `  llm-router ${command.name.padEnd(width)}  ${command.summary}`);
  return `llm-router ${VERSION} — OpenAI-compatible router for vLLM / SGLang fleets and hosted APIs

Usage:
  llm-router [serve] [-config FILE] [-log-level LEVEL] [-enabled-sources a,b] [-host H] [-port P]
  llm-router <command> [flags]
  llm-router help <command>       a command's flags (same as llm-router <command> --help)
  llm-router --version | --help

Commands:
${lines.join('\n')}
`;
}

/** Entry of the `llm-router` command: picks a command from the table; flags alone mean `serve`. */
export async function main(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-version' || first === '-v') {
    process.stdout.write(`llm-router ${VERSION}\n`);
    return 0;
  }
  if (first === '--help' || first === '-help' || first === '-h') {
    process.stdout.write(overview());
    return 0;
  }
  if (first === 'help') {
    if (rest.length === 0) {
      process.stdout.write(overview());
      return 0;
    }
    const command = commandNamed(rest[0]!);
    if (!command) return unknownCommand(rest[0]!);
    process.stdout.write(command.usage);
    return 0;
  }
  if (first === undefined || first.startsWith('-')) return await COMMANDS[0]!.run(argv);
  const command = commandNamed(first);
  if (!command) return unknownCommand(first);
  return await command.run(rest);
}

function unknownCommand(name: string): number {
  process.stderr.write(`llm-router: unknown command "${name}"\n\n${overview()}`);
  return 2;
}

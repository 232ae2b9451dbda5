import { benchCommand } from '../../tools/bench/index.ts';
import type { Command } from '../../tools/cli/index.ts';
import { deployCommand } from '../../tools/deploy/index.ts';
import { simCommand } from '../../tools/sim/index.ts';
import { topCommand } from '../../tools/top/index.ts';
import { serveCommand } from './serve-command.ts';
import { workerConfigCommand } from './worker-config-command.ts';

/** Every `llm-router <command>`; the first is the default when no command is named. */
export const COMMANDS: readonly Command[] = [
  serveCommand,
  simCommand,
  topCommand,
  workerConfigCommand,
  deployCommand,
  benchCommand,
];

export function commandNamed(name: string): Command | undefined {
  return COMMANDS.find((command) => command.name === name);
}

export type { Command } from './command.ts';
export {
  allValues,
  type FlagEntry,
  FlagError,
  type FlagSpec,
  flagOn,
  type ParsedFlags,
  parseFlags,
} from './parse-flags.ts';
export { CLI_ENTRY, PROJECT_ROOT } from './project-root.ts';

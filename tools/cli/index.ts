export type { Command } from './command.ts';
export { commandFlags } from './command-flags.ts';
export {
  allValues,
  type FlagEntry,
  FlagError,
  type FlagSpec,
  flagOn,
  type ParsedFlags,
  parseFlags,
} from './parse-flags.ts';
export { printable } from './printable.ts';
export { CLI_ENTRY, PROJECT_ROOT } from './project-root.ts';
export { readTextIfExists } from './read-text-if-exists.ts';
export { renderTable } from './render-table.ts';
export { writeFileAtomic } from './write-file-atomic.ts';

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SIM_FLAG_NAMES, SIM_USAGE } from '../../tools/sim/index.ts';
import { REPO_ROOT } from '../support/cli.ts';

/** Flags named at the start of a usage line: `  --count N   instances to start`. */
function usageFlags(): string[] {
  return SIM_USAGE.split('\n').flatMap((line) => /^ {2}--([a-z][a-z0-9-]*)/.exec(line)?.[1] ?? []);
}

/** Flags in the first column of the docs/cli.md sim table: | `--count N` | ... */
function docTableFlags(markdown: string): string[] {
  const section = markdown.slice(markdown.indexOf('## `llm-router sim`'));
  return section.split('\n').flatMap((line) => /^\| `--([a-z][a-z0-9-]*)/.exec(line)?.[1] ?? []);
}

describe('llm-router sim flags: usage, parser and docs agree', () => {
  const docs = readFileSync(join(REPO_ROOT, 'docs', 'cli.md'), 'utf8');

  it('every flag in --help appears in the docs/cli.md sim table, and the table has no others', () => {
    const usage = usageFlags();
    expect(usage.length).toBeGreaterThan(20);
    expect(docTableFlags(docs).sort()).toEqual([...usage].sort());
  });

  it('--help lists exactly the flags the parser accepts', () => {
    expect(usageFlags().sort()).toEqual([...SIM_FLAG_NAMES].sort());
  });
});

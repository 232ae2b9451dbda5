import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../adapters/node/commands.ts';
import { DEPLOY_FLAGS, DEPLOY_USAGE } from '../../tools/deploy/index.ts';
import { SIM_FLAG_NAMES, SIM_USAGE } from '../../tools/sim/index.ts';
import { REPO_ROOT, runCli } from '../support/cli.ts';

/** Flags named at the start of a usage line: `  --count N   instances to start`. */
function usageFlags(usage: string): string[] {
  return usage.split('\n').flatMap((line) => /^ {2}--([a-z][a-z0-9-]*)/.exec(line)?.[1] ?? []);
}

/** Flags in the first column of a table in the command's docs/cli.md section: | `--count N` | ... */
function docTableFlags(markdown: string, command: string): string[] {
  const heading = `## \`llm-router ${command}\``;
  const start = markdown.indexOf(heading);
  if (start === -1) return [];
  const next = markdown.indexOf('\n## ', start + heading.length);
  const section = markdown.slice(start, next === -1 ? undefined : next);
  return section.split('\n').flatMap((line) => /^\| `--?([a-z][a-z0-9-]*)/.exec(line)?.[1] ?? []);
}

describe('every command: --help, help <command> and docs/cli.md agree', () => {
  const docs = readFileSync(join(REPO_ROOT, 'docs', 'cli.md'), 'utf8');

  it.each(COMMANDS.map((command) => [command.name, command] as const))(
    '%s: every flag in --help has a row in its docs/cli.md section, and the table has no others',
    (_name, command) => {
      const usage = usageFlags(command.usage);
      expect(usage.length).toBeGreaterThan(0);
      expect(usage).toContain('help');
      expect(docTableFlags(docs, command.name).sort()).toEqual([...usage].sort());
    },
  );

  it('sim: --help lists exactly the flags the parser accepts', () => {
    expect(usageFlags(SIM_USAGE).sort()).toEqual([...SIM_FLAG_NAMES].sort());
  });

  it('deploy: one --help lists exactly the flags up, status and down accept, together', () => {
    const accepted = new Set(
      Object.values(DEPLOY_FLAGS).flatMap((flags) => [...flags.values, ...flags.booleans]),
    );
    expect(usageFlags(DEPLOY_USAGE).sort()).toEqual([...accepted].sort());
  });

  it('the CLI prints each usage for "<command> --help" and "help <command>", and lists every command', async () => {
    const runs = await Promise.all(
      COMMANDS.flatMap((command) => [runCli([command.name, '--help']), runCli(['help', command.name])]),
    );
    COMMANDS.forEach((command, i) => {
      for (const run of [runs[2 * i]!, runs[2 * i + 1]!]) {
        expect(run.code, command.name).toBe(0);
        expect(run.stdout).toBe(command.usage);
      }
    });
    const overview = await runCli(['help']);
    expect(overview.code).toBe(0);
    for (const command of COMMANDS) expect(overview.stdout).toContain(`  llm-router ${command.name} `);
    const unknown = await runCli(['help', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "nope"');
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SideReport } from '../../tools/bench/index.ts';
import { spawnChild } from './children.ts';
import { REPO_DIR } from './paths.ts';

/**
 * Runs `llm-router bench` (the product's load generator, tools/bench) as a child process against one
 * target and returns its report.json. The bench scripts measure with it so there is one implementation
 * of "send LLM load and measure it"; as a child its CPU stays out of the measured proxy's process, and
 * its soft open-file limit is raised to the hard one. `args` are the command's flags (see docs/cli.md).
 */
export async function runLlmBench(args: readonly string[]): Promise<SideReport> {
  const output = mkdtempSync(join(tmpdir(), 'llm-router-bench-run-'));
  try {
    const child = spawnChild({
      name: 'llm-router bench',
      command: process.execPath,
      args: [join(REPO_DIR, 'bin/llm-router.mjs'), 'bench', ...args, '--output', output, '--quiet'],
      keepStdout: true,
      raiseNoFile: true,
    });
    const code = await child.exited;
    if (code !== 0) throw new Error(`llm-router bench failed (exit ${code}):\n${child.tail()}`);
    return JSON.parse(readFileSync(join(output, 'report.json'), 'utf8')) as SideReport;
  } finally {
    rmSync(output, { recursive: true, force: true });
  }
}

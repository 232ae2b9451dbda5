import type { Command } from '../cli/index.ts';
import { runDown } from './deploy-down.ts';
import { type DeployIo, processIo } from './deploy-io.ts';
import { runStatus } from './deploy-status.ts';
import { runUp } from './deploy-up.ts';
import { DEPLOY_USAGE } from './deploy-usage.ts';
import { parseDeployArgs } from './parse-deploy-args.ts';

/** Runs `llm-router deploy <argv>` with the given io (tests) and resolves with the exit code. */
export async function runDeploy(argv: readonly string[], io: DeployIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    // A local file that cannot be written, say: one line naming it, not a stack trace.
    io.err(`llm-router deploy: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

async function run(argv: readonly string[], io: DeployIo): Promise<number> {
  const parsed = parseDeployArgs(argv);
  switch (parsed.kind) {
    case 'help':
      io.out(DEPLOY_USAGE);
      return 0;
    case 'error':
      io.err(`llm-router deploy: ${parsed.error}\n`);
      return 2;
    case 'up':
      return runUp(parsed.options, io);
    case 'status':
      return runStatus(parsed.options, io);
    case 'down':
      return runDown(parsed.options, io);
  }
}

/** `llm-router deploy up|status|down`. */
export const deployCommand: Command = {
  name: 'deploy',
  summary: 'start vLLM/SGLang on GPU nodes over ssh, wait, write the backend file; status; down',
  usage: DEPLOY_USAGE,
  run: async (argv) => {
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      return await runDeploy(argv, processIo(controller.signal));
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  },
};

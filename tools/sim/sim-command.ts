import type { Command } from '../cli/index.ts';
import { runSimCli } from './sim-cli.ts';
import { SIM_USAGE } from './sim-cli-usage.ts';

/** `llm-router sim`: the simulated vLLM/SGLang fleet. */
export const simCommand: Command = {
  name: 'sim',
  summary: 'start a simulated vLLM/SGLang fleet',
  usage: SIM_USAGE,
  run: (argv) => runSimCli(argv),
};

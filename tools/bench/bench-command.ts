import type { Command } from '../cli/index.ts';
import { runBenchCli } from './bench-cli.ts';
import { BENCH_USAGE } from './bench-usage.ts';
import { runWorkerProcess, WORKER_FLAG } from './worker-handle.ts';

/** `llm-router bench`: the LLM-aware load generator (and, with the hidden `--worker`, one of its workers). */
export const benchCommand: Command = {
  name: 'bench',
  summary: 'LLM load generator: TTFT, inter-token latency, tokens/s; JSON/HTML reports; router A/B',
  usage: BENCH_USAGE,
  run: (argv) => (argv[0] === WORKER_FLAG ? runWorkerProcess() : runBenchCli(argv)),
};

import type { UpOptions } from './deploy-options.ts';

/**
 * The engine's argv for one instance, as each engine's own CLI takes it:
 * - vLLM: `vllm serve MODEL --port P ...` (or `PYTHON -m vllm.entrypoints.openai.api_server --model MODEL`)
 * - SGLang: `PYTHON -m sglang.launch_server --model-path MODEL --port P ...` (or `ENGINE_BIN --model-path`)
 * Nothing here is quoted: the argv travels as separate words and is quoted once, by the launch call.
 */
export function engineCommand(options: UpOptions, port: number): string[] {
  const listen = [
    '--host',
    options.bindHost,
    '--port',
    String(port),
    '--served-model-name',
    options.servedName,
  ];
  const tp = String(options.tensorParallel);
  const seqs = options.maxNumSeqs === undefined ? undefined : String(options.maxNumSeqs);
  switch (options.backend) {
    case 'vllm': {
      const start =
        options.python === undefined
          ? [options.engineBin ?? 'vllm', 'serve', options.model]
          : [options.python, '-m', 'vllm.entrypoints.openai.api_server', '--model', options.model];
      const limit = seqs === undefined ? [] : ['--max-num-seqs', seqs];
      return [...start, ...listen, '--tensor-parallel-size', tp, ...limit, ...options.extraArgs];
    }
    case 'sglang': {
      const start =
        options.engineBin === undefined
          ? [options.python ?? 'python3', '-m', 'sglang.launch_server']
          : [options.engineBin];
      const limit = seqs === undefined ? [] : ['--max-running-requests', seqs];
      return [...start, '--model-path', options.model, ...listen, '--tp', tp, ...limit, ...options.extraArgs];
    }
  }
}

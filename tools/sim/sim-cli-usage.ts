/** `llm-router sim --help` text; kept next to nothing else so the flag table stays readable. */
export const SIM_USAGE = `Usage: llm-router sim [flags]

Start a fleet of simulated vLLM/SGLang servers (OpenAI API, SSE, /metrics, fault injection).
Flags accept -flag, --flag, "--flag value" and "--flag=value".

  --count N                 instances to start (default 4)
  --port P                  first port; instance i uses P+i; 0 = ephemeral (default 9001)
  --host H                  bind address (default 127.0.0.1)
  --engine E                vllm | sglang | mixed (alternating) (default vllm)
  --model NAME              served model; repeat or comma-separate (default demo-model)
  --speeds 1,1,1,0.33       per-instance speed multipliers, cycled (default 1)
  --tokens-per-second N     decode rate per sequence (default 40)
  --ttft-ms N               base time to first token in ms (default 80)
  --prefill-ms-per-token N  extra TTFT per prompt token (default 0.02)
  --max-num-seqs N          concurrency cap; the rest queue FIFO (default 256)
  --default-max-tokens N    output length when a request sets none (default 32)
  --kv-capacity-tokens N    KV cache size in tokens (default 200000)
  --prefix-cache-tokens N   automatic prefix caching: LRU of prompt blocks holding N tokens;
                            exports vLLM's prefix_cache_queries/hits (SGLang: cache_hit_rate)
                            (default 0 = off)
  --api-key KEY             require "Authorization: Bearer KEY" on /v1 routes
  --error-rate R            probability 0..1 of an injected error (default 0)
  --error-status S          status of injected errors (default 500)
  --rate-limit-rate R       probability 0..1 of a 429 with Retry-After
  --retry-after-seconds N   Retry-After value of those 429s (default 1)
  --hang-rate R             probability 0..1 that a request never answers
  --drop-rate R             probability 0..1 that a stream is cut mid-way
  --drop-after-tokens N     tokens sent before such a cut (default 3)
  --slow-first-byte-ms N    delay before every /v1 response
  --fail-inference-only     /v1/models stays 200, every inference POST answers 500
  --models-status S         /v1/models answers status S (router probes want 200)
  --flap-period-ms N        /v1/models alternates 200/503 every N ms
  --fault-indices 0,2       apply the fault flags above only to these instances (default all)
  --down-indices 1,3        stop these instances right after start: their port refuses connections
  --write-config PATH       write a LiteLLM model_list for the fleet (atomically)
  --source-type T           source_type in the written config (default self_deployed)
  --help                    show this help
`;

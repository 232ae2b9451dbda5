/** `llm-router bench --help` text; kept next to nothing else so the flag table stays readable. */
export const BENCH_USAGE = `Usage: llm-router bench --url URL --model NAME [flags]

LLM-aware load generator: closed loop (--concurrency) or open loop (--rate), streaming or not, over
several worker processes. Measures time to first token, inter-token latency, end-to-end latency, tokens/s
and errors; shows a live view and writes report.json / report.html. With --direct it interleaves the same
load against a backend directly and through the router and reports the router's added time.
Flags accept -flag, --flag, "--flag value" and "--flag=value". Ctrl-C stops early and still reports.

  --url URL               server base, http://host:port (with or without /v1) (required)
  --model NAME            model to request (required)
  --concurrency N         closed loop: N requests in flight (default 10)
  --rate R                open loop: R requests per second instead
  --arrival A             open-loop arrivals: poisson | constant (default poisson)
  --requests N            stop after N measured requests
  --duration S            stop after S seconds of measurement (default 30 when --requests is not given)
  --ramp-up S             open the concurrency (or rate) linearly over S seconds (default 0)
  --warmup S              send load for S seconds first and leave it out of the results (default 0)
  --stream                stream responses (SSE), --no-stream for plain JSON (default on)
  --endpoint E            chat | completions (default chat)
  --max-tokens N|A:B      output tokens per request, or uniform in A..B (default 128)
  --prompt-tokens N|A:B   synthetic prompt length in tokens (about 4 characters each) (default 256)
  --dataset FILE          JSONL, one request body per line, instead of synthetic prompts
  --seed N                seed for lengths and arrivals; with --dataset, sample lines instead of round robin
  --api-key KEY           send "Authorization: Bearer KEY"
  --header "K: V"         extra request header; repeat for several
  --workers N             worker processes sharing the load (default: one per 2,500 streams or 1,000 req/s)
  --timeout S             longest wait for a connection, the response head, or between two chunks (default 600)
  --output DIR            write DIR/report.json and DIR/report.html
  --label NAME            name of the run in the reports (default: model and URL)
  --direct URL            A/B mode: also run the load against this backend directly, in interleaved phases
  --direct-model NAME     model name the direct backend serves (default: --model)
  --phases N              A/B mode: phases per side, alternating direct / router (default 3)
  --quiet                 no live view or progress lines, only the summary
  --help                  show this help

Exit codes: 0 done, 1 the server cannot be reached or the report cannot be written, 2 bad command line,
130 interrupted (Ctrl-C; the reports are still written, marked partial).
`;
